//! Shared by the engine's integration tests: the Dragonflow 2.0 database (from
//! `df_testkit`, as is the crash driver), the whole flow, and store dumps.

#![allow(dead_code)] // each test file uses its own part

use df_migrations::records;
use df_migrations::store::Store;
use df_migrations::{EngineError, Event, ModelVersions};
use serde_json::Value;
use std::collections::BTreeMap;

pub use df_testkit::dragonflow::{engine, options, APPLIED_AT};
pub use df_testkit::states::differing;

/// Writes the Dragonflow 2.0 database into `store`.
pub fn seed(store: &mut dyn Store) {
    df_testkit::dragonflow::seed(store).unwrap();
}

/// Dragonflow's 2.0 database, written into `store` and baselined at 2.0 (stamped at
/// `applied_at`, or now).
pub fn seed_baselined(store: &mut dyn Store, applied_at: Option<&str>) {
    seed(store);
    engine(store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), applied_at, false).unwrap();
}

/// Every key and value.
pub fn dump(store: &mut dyn Store) -> BTreeMap<String, Vec<u8>> {
    df_testkit::states::dump(store).unwrap()
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
    engine(store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), Some(APPLIED_AT), false).unwrap();
    let before = dump(store);
    let status = engine(store).status().unwrap();
    assert!(status.baselined);
    assert_eq!(status.models["LogicalPort"], ModelVersions { database: Some(1), build: 5 });
    assert_eq!(status.models["Subnet"], ModelVersions { database: None, build: 1 });
    assert_eq!(status.pending.len(), 16, "{:#?}", status.pending);
    assert_eq!(status.last_applied.unwrap().id, "baseline/2.0");

    let mut phases = Vec::new();
    let report = engine(store)
        .upgrade(&options(), &mut |event| {
            if let Event::Phase(phase) = event {
                phases.push(phase);
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
    assert_eq!(Value::Object(objects(store)), dragonflow_fixtures::release_5_0_objects());
    let counters: Vec<(String, i64)> = dump(store)
        .into_iter()
        .filter(|(k, _)| !k.contains("~df-"))
        .filter_map(|(k, v)| Some((k.strip_prefix("{unique_key.}")?.to_owned(), String::from_utf8(v).ok()?.parse().ok()?)))
        .collect();
    let expected: Vec<(String, i64)> =
        dragonflow_fixtures::RELEASE_5_0_COUNTERS.iter().map(|(t, c)| (t.to_string(), *c)).collect();
    assert_eq!(counters, expected);
    // Logged, with automatic steps; nothing left pending; verify is clean.
    let log = dump(store).into_iter().filter(|(k, _)| k.starts_with("{schema_migration.}")).count();
    assert_eq!(log, 17, "baseline + 16 steps");
    let row: Value = serde_json::from_slice(&dump(store)["{schema_migration.}auto/LogicalPort/v5"]).unwrap();
    assert_eq!(row["release"], "5.0");
    assert_eq!(row["applied_at"], APPLIED_AT);
    assert!(engine(store).status().unwrap().pending.is_empty());
    assert_eq!(engine(store).verify(&mut |_| {}).unwrap(), Vec::<df_migrations::Diagnostic>::new());

    // Rollback restores every byte, the log and the state included; the audit trail keeps
    // the upgrade (run 2), marked rolled back by the rollback (run 3).
    engine(store).rollback(&df_migrations::RollbackOptions::default(), &mut |_| {}).unwrap();
    let runs = [records::run_key(2).encode(), records::run_key(3).encode()];
    assert_eq!(differing(&dump(store), &before), runs, "only the trail grew");
    let upgrade: Value = serde_json::from_slice(&dump(store)[&runs[0]]).unwrap();
    assert_eq!((&upgrade["action"], &upgrade["rolled_back"]["by"]), (&"upgrade".into(), &3.into()), "{upgrade:#}");
    assert!(matches!(engine(store).rollback(&df_migrations::RollbackOptions::default(), &mut |_| {}), Err(EngineError::NothingToRollBack { .. })));
}

/// Asserts that a crash at every write of an upgrade (`df_testkit::crash`) left exactly
/// the old or exactly the new state after recovery, and the new state after the next
/// upgrade.
pub fn assert_crash_safe(report: &df_testkit::crash::CrashReport) {
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{report:?}:\n{}", failures.join("\n"));
    assert!(report.tried > 0 && report.old + report.new == report.tried, "{report:?}");
}
