//! The whole flow on the embedded default (redb): exact upgrade and rollback, a crash at
//! every write of the commit (one transaction, so old or new), and the lock held by one
//! runner at a time, naming the holder.

mod common;

use common::{engine, options, seed};
use df_migrations::store::{Holder, RedbStore, Store};
use df_migrations::EngineError;
use std::time::Duration;

#[test]
fn baseline_upgrade_and_rollback_give_exactly_the_expected_states() {
    let dir = tempfile::tempdir().unwrap();
    common::full_flow(&mut RedbStore::create(&dir.path().join("nb.redb")).unwrap());
}

#[test]
fn a_crash_at_any_write_leaves_the_old_or_the_new_state_after_recovery() {
    common::assert_crash_safe(&df_testkit::crash::on_redb());
}

#[test]
fn a_second_runner_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.redb");
    let mut store = RedbStore::create(&path).unwrap();
    seed(&mut store);
    let holder = Holder { who: "df-runner pid 4242 on controller-1".into(), since: "2026-11-25T11:59:00Z".into() };
    assert_eq!(store.acquire_lease("first", &holder, Duration::from_mins(1)).unwrap(), None);
    // Another process opening the file is refused by redb, naming the lease holder.
    let error = RedbStore::open(&path).err().expect("the file is open").to_string();
    assert!(error.contains("open in another process: df-runner pid 4242 on controller-1 since 2026-11-25T11:59:00Z"), "{error}");
    // Within the process, the lease itself refuses.
    let error = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err();
    assert!(matches!(&error, EngineError::Locked { holder: h, .. } if h == &holder), "{error}");
    store.release_lease("first").unwrap();
    engine(&mut store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), None, false).unwrap();
    engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
}
