//! Shared by the engine's integration tests: the Dragonflow 2.0 database, a store that
//! crashes at a chosen write, and store dumps to compare states byte for byte.

#![allow(dead_code)] // each test file uses its own part

use df_migrations::store::{Holder, Op, Store, StoreError};
use df_migrations::{Build, Engine, EngineError, Event, Recovery, UpgradeOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

pub use dragonflow_models as _;

pub const APPLIED_AT: &str = "2026-11-25T12:00:00Z";

/// Writes the Dragonflow 2.0 database into `store`.
pub fn seed(store: &mut dyn Store) {
    let ops: Vec<Op> = dragonflow_models::fixtures::release_2_0_store().into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    store.write(&ops).unwrap();
}

/// Every key and value.
pub fn dump(store: &mut dyn Store) -> BTreeMap<String, Vec<u8>> {
    let mut all = BTreeMap::new();
    store.scan(&mut |k, v| {
        all.insert(String::from_utf8_lossy(k).into_owned(), v);
    })
    .unwrap();
    all
}

/// Everything but the commit's manifest (whose id carries the lease token of the run).
pub fn state(store: &mut dyn Store) -> BTreeMap<String, Vec<u8>> {
    let mut all = dump(store);
    all.remove("{df_schema.}backup");
    all
}

/// The keys in which two dumps differ, for readable failures.
pub fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect()
}

pub fn options() -> UpgradeOptions {
    UpgradeOptions { applied_at: Some(APPLIED_AT.to_owned()), ..UpgradeOptions::default() }
}

pub fn engine(store: &mut dyn Store) -> Engine<'_> {
    Engine::new(store, Build::linked())
}

/// A store that fails at its `fail_at`-th write operation: the ops of a batch before it
/// are applied (as a pipeline that stops part-way would), unless the store applies
/// batches atomically, in which case the whole batch is lost. A fenced write counts as
/// one operation. It then refuses every further write, like a dead process.
pub struct CrashingStore<S> {
    pub inner: S,
    pub fail_at: usize,
    pub writes: usize,
    pub atomic: bool,
}

impl<S: Store> CrashingStore<S> {
    pub fn new(inner: S, fail_at: usize, atomic: bool) -> Self {
        CrashingStore { inner, fail_at, writes: 0, atomic }
    }

    fn crash(&self) -> StoreError {
        StoreError::Crash { store: self.inner.describe(), index: self.fail_at }
    }
}

impl<S: Store> Store for CrashingStore<S> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn scan(&mut self, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        self.inner.scan(visit)
    }
    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.inner.get_many(keys)
    }
    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        let room = self.fail_at.saturating_sub(self.writes);
        if batch.len() < room {
            self.writes += batch.len();
            return self.inner.write(batch);
        }
        if !self.atomic {
            self.inner.write(&batch[..room])?;
        }
        self.writes = self.fail_at;
        Err(self.crash())
    }
    fn atomic_batches(&self) -> bool {
        self.atomic
    }
    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        self.inner.acquire_lease(token, holder, ttl)
    }
    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.inner.renew_lease(token, ttl)
    }
    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        self.inner.release_lease(token)
    }
    fn set_if_leased(&mut self, token: &str, key: &str, value: &[u8]) -> Result<bool, StoreError> {
        if self.writes >= self.fail_at {
            return Err(self.crash());
        }
        self.writes += 1;
        self.inner.set_if_leased(token, key, value)
    }
}

/// The data objects (no counters, log, engine records, staging or backup keys).
pub fn objects(store: &mut dyn Store) -> serde_json::Map<String, Value> {
    dump(store)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("{unique_key.}") && !k.starts_with("{schema_migration.}") && !k.starts_with("{df_schema."))
        .filter(|(k, _)| !k.contains("~df-"))
        .map(|(k, v)| (k, serde_json::from_slice(&v).unwrap()))
        .collect()
}

/// Baseline, status, upgrade to exactly the 5.0 database, verify, rollback to exactly the
/// bytes before. `store` starts empty.
pub fn full_flow(store: &mut dyn Store) {
    seed(store);
    engine(store).baseline("2.0", 100, Some(APPLIED_AT), false).unwrap();
    let before = dump(store);
    let status = engine(store).status().unwrap();
    assert!(status.baselined);
    assert_eq!(status.models["LogicalPort"], (Some(1), 5));
    assert_eq!(status.models["Subnet"], (None, 1));
    assert_eq!(status.pending.len(), 16, "{:#?}", status.pending);
    assert_eq!(status.last_applied.unwrap().id, "baseline/2.0");

    let mut phases = Vec::new();
    let report = engine(store)
        .upgrade(&options(), &mut |event| {
            if let Event::Phase(phase) = event {
                phases.push(phase)
            }
        })
        .unwrap();
    assert!(report.committed);
    assert_eq!(report.objects_read, 19);
    assert_eq!(report.tables["lsubnet"].created, 3);
    assert_eq!(report.tables["ovs_port"].deleted, 4);
    assert_eq!(report.tables["switch_port"].created, 4);
    assert_eq!(report.tables["publisher"].unchanged, 1);
    assert_eq!(phases.len(), 4);

    // Exactly the 5.0 database, counters included.
    assert_eq!(Value::Object(objects(store)), dragonflow_models::fixtures::release_5_0_objects());
    let counters: Vec<(String, i64)> = dump(store)
        .into_iter()
        .filter(|(k, _)| !k.contains("~df-"))
        .filter_map(|(k, v)| Some((k.strip_prefix("{unique_key.}")?.to_owned(), String::from_utf8(v).ok()?.parse().ok()?)))
        .collect();
    let expected: Vec<(String, i64)> =
        dragonflow_models::fixtures::RELEASE_5_0_COUNTERS.iter().map(|(t, c)| (t.to_string(), *c)).collect();
    assert_eq!(counters, expected);
    // Logged, with automatic steps; nothing left pending; verify is clean.
    let log = dump(store).into_iter().filter(|(k, _)| k.starts_with("{schema_migration.}")).count();
    assert_eq!(log, 17, "baseline + 16 steps");
    let row: Value = serde_json::from_slice(&dump(store)["{schema_migration.}auto/LogicalPort/v5"]).unwrap();
    assert_eq!(row["release"], "5.0");
    assert_eq!(row["applied_at"], APPLIED_AT);
    assert!(engine(store).status().unwrap().pending.is_empty());
    assert_eq!(engine(store).verify(&mut |_| {}).unwrap(), Vec::<String>::new());

    // Rollback restores every byte, the log and the state included.
    engine(store).rollback(false, false, &mut |_| {}).unwrap();
    assert!(differing(&dump(store), &before).is_empty(), "{:?}", differing(&dump(store), &before));
    assert!(matches!(engine(store).rollback(false, false, &mut |_| {}), Err(EngineError::NothingToRollBack { .. })));
}

/// For every write index of an upgrade: crash there, recover, and find exactly the old or
/// exactly the new state; then upgrade to the new state. `fresh` makes an empty store;
/// `expire` forgets the crashed runner's lease, as waiting out its expiry would.
pub fn crash_at_every_write<S: Store>(fresh: impl Fn() -> S, atomic: bool, expire: impl Fn(&mut S)) {
    let baselined = || {
        let mut store = fresh();
        seed(&mut store);
        engine(&mut store).baseline("2.0", 100, Some(APPLIED_AT), false).unwrap();
        store
    };
    {
        let mut reference = baselined();
        let old = state(&mut reference);
        engine(&mut reference).upgrade(&options(), &mut |_| {}).unwrap();
        let new = state(&mut reference);
        let mut outcomes = [0, 0];
        let mut rolled_forward = 0;
        for fail_at in 0.. {
            let mut crashing = CrashingStore::new(baselined(), fail_at, atomic);
            let result = engine(&mut crashing).upgrade(&options(), &mut |_| {});
            if result.is_ok() {
                assert!(fail_at > 0 && crashing.writes < fail_at, "the commit finished before write {fail_at}");
                break;
            }
            // The crashed runner's lease is still there: the next runner waits it out.
            let mut store = crashing.inner;
            expire(&mut store);
            let recovery = engine(&mut store).recover().unwrap();
            let after = state(&mut store);
            if after == old {
                outcomes[0] += 1;
            } else {
                let mix = differing(&after, &new);
                assert!(mix.is_empty(), "atomic={atomic}, crash at write {fail_at} (recovery {recovery:?}) left a mix: {mix:?}");
                outcomes[1] += 1;
                if recovery == Some(Recovery::RolledForward) {
                    rolled_forward += 1;
                }
            }
            // The next upgrade finishes the job either way.
            engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
            assert!(differing(&state(&mut store), &new).is_empty());
        }
        assert!(outcomes[0] > 0, "atomic={atomic}: {outcomes:?}");
        if !atomic {
            assert!(rolled_forward > 0, "crashes after the commit record roll forward: {outcomes:?}");
        }
    }
}
