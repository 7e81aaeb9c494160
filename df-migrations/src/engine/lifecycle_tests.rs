//! Model lifecycle end to end, on the memory store, redb and a private Redis server: a
//! model the engine created itself (its applied `auto/M/v1`) and later removed by a build
//! that no longer declares it; a table renamed by `renamed_from` alone; a struct renamed
//! as a new model in the old one's table plus the old one's removal; two models merged
//! into one. (A model split in two is Dragonflow's own `lswitch-v3-lsubnet`, run by its
//! tests.) Integration tests cannot build made-up models (registry entries come from the
//! macros), so these live here.

use super::Engine;
use crate::linked::test_build::{self, test_model};
use crate::linked::Build;
use crate::store::{MemoryStore, Op, RedbStore, Store};
use crate::UpgradeOptions;
use df_schema::core::ModelHistory;
use df_schema::registry::{MigrationEntry, MigrationFn, MigrationTarget, ModelEntry};
use df_schema::KeyLayout;

fn host() -> &'static ModelEntry {
    test_model!("Host", "host", &[("1.0", &["id"])])
}

fn legacy() -> &'static ModelEntry {
    test_model!("Legacy", "legacy", &[("1.0", &["id"])])
}

/// `Rack` in table `rack` at v1 and in `cabinet` at v2, nothing else changed.
fn rack(versions: u32) -> &'static ModelEntry {
    fn history() -> &'static ModelHistory {
        static CELL: std::sync::OnceLock<ModelHistory> = std::sync::OnceLock::new();
        CELL.get_or_init(|| {
            let mut history = test_build::history("rack", &[("1.0", &["id"]), ("2.0", &["id"])]);
            history.versions.get_mut(&2).expect("two versions").schema.table = "cabinet".to_owned();
            history
        })
    }
    fn first() -> &'static ModelHistory {
        static CELL: std::sync::OnceLock<ModelHistory> = std::sync::OnceLock::new();
        CELL.get_or_init(|| test_build::history("rack", &[("1.0", &["id"])]))
    }
    test_build::model("Rack", if versions == 1 { first } else { history })
}

fn removal() -> &'static MigrationEntry {
    let drop = MigrationFn::Whole(|nb| {
        nb.drop_table("legacy");
        Ok(())
    });
    test_build::migration("drop-legacy", MigrationTarget::Removes { model: "Legacy", history: legacy().history }, "2026-01-01 00:00:00", drop, None)
}

/// `Server`, the new name of `Host`, in `Host`'s table.
fn server() -> &'static ModelEntry {
    test_model!("Server", "host", &[("3.0", &["id"])])
}

/// The removal of `Host` once it is `Server`: its objects stay, as `Server`'s.
fn host_removal() -> &'static MigrationEntry {
    let keep = MigrationFn::Whole(|_| Ok(()));
    test_build::migration("drop-host", MigrationTarget::Removes { model: "Host", history: host().history }, "2026-02-01 00:00:00", keep, None)
}

fn build(models: Vec<&'static ModelEntry>, migrations: Vec<&'static MigrationEntry>) -> Build {
    Build { models, migrations, layout: KeyLayout::Dragonflow }
}

fn upgrade(store: &mut dyn Store, build: &Build) -> Vec<String> {
    let report = Engine::new(store, build.clone()).upgrade(&UpgradeOptions { init: true, ..UpgradeOptions::default() }, &mut |_| {}).unwrap();
    report.steps.into_iter().map(|step| step.id).collect()
}

fn value(store: &mut dyn Store, key: &str) -> Option<Vec<u8>> {
    store.get_many(&[key.to_owned()]).unwrap().remove(0)
}

fn lifecycle(store: &mut dyn Store) {
    // The engine creates every model of an empty database itself.
    assert_eq!(upgrade(store, &build(vec![host(), legacy(), rack(1)], Vec::new())), ["auto/Host/v1", "auto/Legacy/v1", "auto/Rack/v1"]);
    let objects = ["{host.}h1", "{legacy.}l1", "{rack.}r1"].map(|key| Op::Set(key.to_owned(), format!(r#"{{"id":"{}"}}"#, &key[key.len() - 2..]).into_bytes()));
    store.write(&objects).unwrap();

    // A later build removes Legacy and moves Rack's table: the database's applied
    // `auto/Legacy/v1` is known (no "newer than this build"), and both steps run.
    let later = build(vec![host(), rack(2)], vec![removal()]);
    let status = Engine::new(store, later.clone()).status().unwrap();
    let pending: Vec<&str> = status.pending.iter().map(|step| step.id.as_str()).collect();
    assert_eq!(pending, ["auto/Rack/v2", "drop-legacy"]);
    assert_eq!(upgrade(store, &later), ["auto/Rack/v2", "drop-legacy"]);
    assert_eq!(value(store, "{legacy.}l1"), None);
    assert_eq!(value(store, "{rack.}r1"), None);
    assert_eq!(value(store, "{cabinet.}r1").as_deref(), Some(&br#"{"id":"r1"}"#[..]));
    assert_eq!(value(store, "{host.}h1").as_deref(), Some(&br#"{"id":"h1"}"#[..]));
    let status = Engine::new(store, later.clone()).status().unwrap();
    assert!(status.pending.is_empty() && !status.models.contains_key("Legacy"), "{status:?}");

    // A struct renamed, `Host` to `Server`, as a new model in the same table plus the
    // removal of the old one: the objects stay where they are and decode as the new model.
    let renamed = build(vec![server(), rack(2)], vec![removal(), host_removal()]);
    assert_eq!(upgrade(store, &renamed), ["auto/Server/v1", "drop-host"]);
    assert_eq!(value(store, "{host.}h1").as_deref(), Some(&br#"{"id":"h1"}"#[..]));
    let status = Engine::new(store, renamed).status().unwrap();
    assert_eq!(status.models.keys().map(String::as_str).collect::<Vec<_>>(), ["Rack", "Server"]);

    // A build older than the database is told so, naming what it lacks.
    let older = build(vec![host(), rack(1)], Vec::new());
    let refused = Engine::new(store, older).status().unwrap_err().to_string();
    assert!(refused.contains("applied migration `drop-legacy`, which this build does not have: the database is newer than this build"), "{refused}");
}

/// Two models merged into one: `Legacy`'s removal moves its objects into `Host`'s table,
/// where they decode as hosts.
fn merge(store: &mut dyn Store) {
    assert_eq!(upgrade(store, &build(vec![host(), legacy()], Vec::new())), ["auto/Host/v1", "auto/Legacy/v1"]);
    store.write(&[Op::Set("{host.}h1".to_owned(), br#"{"id":"h1"}"#.to_vec()), Op::Set("{legacy.}l1".to_owned(), br#"{"id":"l1"}"#.to_vec())]).unwrap();
    let merge = MigrationFn::Whole(|nb| {
        for id in nb.ids("legacy") {
            nb.move_object("legacy", "host", &id)?;
        }
        Ok(())
    });
    let into_host = test_build::migration("legacy-into-host", MigrationTarget::Removes { model: "Legacy", history: legacy().history }, "2026-03-01 00:00:00", merge, None);
    assert_eq!(upgrade(store, &build(vec![host()], vec![into_host])), ["legacy-into-host"]);
    assert_eq!(value(store, "{legacy.}l1"), None);
    assert_eq!(value(store, "{host.}l1").as_deref(), Some(&br#"{"id":"l1"}"#[..]));
    assert_eq!(value(store, "{host.}h1").as_deref(), Some(&br#"{"id":"h1"}"#[..]));
}

#[test]
fn two_models_merge_into_one_on_memory_and_redb() {
    merge(&mut MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    merge(&mut RedbStore::create(&dir.path().join("nb.redb")).unwrap());
}

#[test]
fn a_model_the_engine_created_is_removed_and_a_table_renamed_on_memory() {
    lifecycle(&mut MemoryStore::new());
}

#[test]
fn a_model_the_engine_created_is_removed_and_a_table_renamed_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    lifecycle(&mut RedbStore::create(&dir.path().join("nb.redb")).unwrap());
}

/// A private Redis server's store, or `None` (said loudly, or failing under `CI`) without
/// `redis-server`.
fn redis() -> Option<(df_testkit::redis_server::RedisServer, crate::store::RedisStore)> {
    let server = df_testkit::redis_server::RedisServer::start()?;
    let store = crate::store::RedisStore::connect(&server.url(), &crate::store::RedisOptions::default()).unwrap();
    Some((server, store))
}

#[test]
fn a_model_the_engine_created_is_removed_and_a_table_renamed_on_redis() {
    let Some((_server, mut store)) = redis() else { return };
    lifecycle(&mut store);
}

#[test]
fn two_models_merge_into_one_on_redis() {
    let Some((_server, mut store)) = redis() else { return };
    merge(&mut store);
}
