//! The whole flow on the in-memory store: baseline, plan, dry run, upgrade, exact result,
//! rollback to the exact bytes, verify; refusals that write nothing; crash at every write
//! of a commit, atomic and staged; two runners; an expired lease.

mod common;

use common::{engine, options, seed, APPLIED_AT};
use df_testkit::crash::{CrashingStore, Writes};
use df_migrations::store::{Holder, MemoryStore, Store};
use df_migrations::layout::{self, StoredKey};
use df_migrations::records::{self, Action::{Baseline, Rollback, Upgrade}};
use df_migrations::{EngineError, Event, Interrupted, Recovery, UpgradeOptions};
use df_schema::registry::{MigrationEntry, MigrationFn};
use df_testkit::build::with_migration;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

fn baselined() -> MemoryStore {
    let mut store = MemoryStore::new();
    seed(&mut store);
    engine(&mut store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), Some(APPLIED_AT), false).unwrap();
    store
}

fn objects(store: &MemoryStore) -> serde_json::Map<String, Value> {
    store
        .dump()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("{unique_key.}") && !k.starts_with("{schema_migration.}") && !k.starts_with("{df_schema."))
        .filter(|(k, _)| !k.contains("~df-"))
        .map(|(k, v)| (k, serde_json::from_slice(&v).unwrap()))
        .collect()
}

#[test]
fn baseline_upgrade_and_rollback_give_exactly_the_expected_states() {
    common::full_flow(&mut MemoryStore::new());
}

#[test]
fn an_empty_database_is_initialized_only_when_asked() {
    let mut store = MemoryStore::new();
    let error = engine(&mut store).upgrade(&UpgradeOptions { init: false, ..options() }, &mut |_| {}).unwrap_err();
    assert!(matches!(error, EngineError::NotInitialized { .. }), "{error:?}");
    assert!(error.to_string().starts_with("memory: holds no df-schema state and no objects of this build's models"), "{error}");
    assert!(store.dump().is_empty(), "the refused upgrade wrote {:?}", store.dump().keys().collect::<Vec<_>>());
    let report = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    assert!(report.committed && !report.steps.is_empty());
    // An upgrade leaves no intent record behind.
    assert!(!store.dump().contains_key(&records::intent_key().encode()));
}

#[test]
fn a_target_release_the_build_does_not_know_is_refused() {
    let mut store = baselined();
    let before = store.dump();
    for target in ["40", "3", "v3.0"] {
        let error = engine(&mut store).upgrade(&UpgradeOptions { to_release: Some(target.into()), ..options() }, &mut |_| {}).unwrap_err();
        assert_eq!(error.to_string(), format!("this build knows no release `{target}`, so nothing was done: its releases are 2.0, 3.0, 4.0, 5.0"));
        assert!(matches!(engine(&mut store).plan(Some(target)), Err(EngineError::UnknownRelease { .. })));
    }
    assert_eq!(store.dump(), before);
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let mut store = baselined();
    let before = store.dump();
    let report = engine(&mut store).upgrade(&UpgradeOptions { dry_run: true, ..options() }, &mut |_| {}).unwrap();
    assert!(!report.committed);
    assert_eq!(report.steps.len(), 16);
    assert_eq!(report.tables["lport"].changed, 4);
    assert_eq!(store.dump(), before);
}

#[test]
fn to_release_stops_there_and_the_rest_follows_later() {
    let mut store = baselined();
    let report = engine(&mut store).upgrade(&UpgradeOptions { to_release: Some("3.0".into()), ..options() }, &mut |_| {}).unwrap();
    assert_eq!(report.steps.len(), 4);
    assert_eq!(engine(&mut store).status().unwrap().models["LogicalPort"], df_migrations::ModelVersions { database: Some(2), build: 5 });
    engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    assert_eq!(Value::Object(objects(&store)), dragonflow_fixtures::release_5_0_objects());
}

/// The commit tags of the images in `store`.
fn image_tags(store: &MemoryStore) -> Vec<String> {
    let tags = store.dump().into_keys().filter_map(|key| match layout::parse(key.as_bytes()) {
        Ok(StoredKey::Image { tag, .. }) => Some(tag),
        _ => None,
    });
    tags.collect::<BTreeSet<_>>().into_iter().collect()
}

#[test]
fn upgrades_keep_the_images_of_the_last_few_and_rollback_goes_back_to_a_release() {
    let mut store = baselined();
    // The image of a runner that died before its commit: garbage, which the next run
    // deletes; with its intent record, an undecided commit that `status` reports.
    let intent = r#"{"tag":"deadbeefdeadbeef","who":"df-runner pid 1 on c1","since":"2026-12-03T07:00:00Z"}"#;
    store.insert(&records::intent_key().encode(), intent);
    store.insert(&layout::image_key("deadbeefdeadbeef", 0), "df-image 1\n");
    assert_eq!(engine(&mut store).status().unwrap().interrupted_commit, Some(Interrupted::Undecided));
    assert_eq!(engine(&mut store).recover().unwrap(), Some(Recovery::Discarded));
    assert!(image_tags(&store).is_empty());
    assert_eq!(engine(&mut store).status().unwrap().interrupted_commit, None);
    // Without an intent (a runner of an older df-schema), it is deleted all the same.
    store.insert(&layout::image_key("deadbeefdeadbeef", 0), "df-image 1\n");
    assert_eq!(engine(&mut store).recover().unwrap(), None);
    assert!(image_tags(&store).is_empty());
    store.insert(&layout::image_key("deadbeefdeadbeef", 0), "df-image 1\n");
    let upgrade_to = |store: &mut MemoryStore, release: &str| {
        engine(store).upgrade(&UpgradeOptions { to_release: Some(release.into()), ..options() }, &mut |_| {}).unwrap();
        store.dump()
    };
    let at_3_0 = upgrade_to(&mut store, "3.0");
    let first = image_tags(&store);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_ne!(first[0], "deadbeefdeadbeef", "the garbage image went with the first commit");
    upgrade_to(&mut store, "4.0");
    assert_eq!(image_tags(&store).len(), 2, "the default keeps the last two upgrades' images");
    upgrade_to(&mut store, "5.0");
    let kept = image_tags(&store);
    assert!(kept.len() == 2 && !kept.contains(&first[0]), "the third upgrade pruned the first one's image: {first:?} then {kept:?}");

    // Back to 3.0 across two upgrades: the data, log and state exactly as they were.
    let data = |dump: &std::collections::BTreeMap<String, Vec<u8>>| {
        dump.iter().filter(|(k, _)| !k.starts_with("{df_schema.") || *k == "{df_schema.}state").map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>()
    };
    let to = |release: &str| df_migrations::RollbackOptions { to_release: Some(release.into()), ..Default::default() };
    let report = engine(&mut store).rollback(&to("3.0"), &mut |_| {}).unwrap();
    assert_eq!(report.rolled_back, [4, 3], "runs 1 baseline, 2 to 3.0, 3 to 4.0, 4 to 5.0");
    assert_eq!(data(&store.dump()), data(&at_3_0));
    assert!(image_tags(&store).is_empty(), "the undone upgrades' images went, and the first one's was pruned");
    // The first upgrade's image is gone: going further back is refused, naming it.
    let refused = engine(&mut store).rollback(&to("2.0"), &mut |_| {}).unwrap_err();
    assert!(matches!(refused, EngineError::ImagePruned { run: 2, .. }), "{refused:?}");
    assert!(matches!(engine(&mut store).rollback(&to("3.0"), &mut |_| {}).unwrap_err(), EngineError::AlreadyAtRelease { .. }));

    // The trail keeps every run, the undone ones marked.
    let runs = engine(&mut store).history().unwrap().runs;
    assert_eq!(engine(&mut store).runs().unwrap(), runs);
    let trail: Vec<_> = runs.iter().map(|r| (r.seq, r.action, r.releases.join(","), r.rolled_back.as_ref().map(|b| b.by), r.undid.clone())).collect();
    assert_eq!(
        trail,
        [
            (1, Baseline, "2.0".to_owned(), None, vec![]),
            (2, Upgrade, "3.0".to_owned(), None, vec![]),
            (3, Upgrade, "4.0".to_owned(), Some(5), vec![]),
            (4, Upgrade, "5.0".to_owned(), Some(5), vec![]),
            (5, Rollback, String::new(), None, vec![4, 3]),
        ]
    );
    assert!(runs.iter().all(|r| !r.host.is_empty() && !r.user.is_empty() && r.seconds >= 0.0), "{runs:#?}");

    // An upgrade that applies 4.0 and 5.0 in one go cannot be split by a rollback.
    engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    let refused = engine(&mut store).rollback(&to("4.0"), &mut |_| {}).unwrap_err();
    assert!(matches!(refused, EngineError::UpgradeStraddles { run: 6, .. }), "{refused:?}");
    assert!(refused.to_string().contains("applied releases 4.0, 5.0 in one go"), "{refused}");
}

#[test]
fn prune_deletes_older_images_and_a_legacy_backup_record_becomes_a_run() {
    let mut store = baselined();
    engine(&mut store).upgrade(&UpgradeOptions { to_release: Some("3.0".into()), ..options() }, &mut |_| {}).unwrap();
    // As df-schema before runs left it: the last upgrade's manifest in `{df_schema.}backup`.
    let run: Value = serde_json::from_slice(&store.dump()[&records::run_key(2).encode()]).unwrap();
    let manifest = serde_json::json!({"action": "upgrade", "image": run["image"], "id": run["id"], "digest": run["digest"]});
    store.insert(&records::backup_key().encode(), manifest.to_string());
    store.write(&[df_migrations::store::Op::Delete(records::run_key(2).encode())]).unwrap();
    let runs = engine(&mut store).history().unwrap().runs;
    assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1], "the old record reads as run 0: {runs:#?}");
    assert_eq!(engine(&mut store).runs().unwrap(), runs, "the trail read alone is the trail read with the data");

    let dry = engine(&mut store).prune_images(0, true).unwrap();
    assert_eq!((dry.runs.len(), dry.committed), (1, false));
    assert!(dry.bytes > 0);
    let pruned = engine(&mut store).prune_images(0, false).unwrap();
    assert_eq!(pruned.runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [0]);
    assert!(image_tags(&store).is_empty());
    let dump = store.dump();
    assert!(!dump.contains_key(&records::backup_key().encode()), "the old record became run 0");
    assert!(dump.contains_key(&records::run_key(0).encode()));
    let refused = engine(&mut store).rollback(&df_migrations::RollbackOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(refused, EngineError::ImagePruned { run: 0, .. }), "{refused:?}");
}

#[test]
fn rollback_refuses_when_the_data_was_written_since_unless_forced() {
    let mut store = baselined();
    let before = store.dump();
    engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    store.insert("{chassis.}late", r#"{"id":"late","ip":"192.0.2.99","external_host_ip":null,"tunnel_types":[]}"#);
    let refused = engine(&mut store).rollback(&df_migrations::RollbackOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(refused, EngineError::WrittenSince { .. }), "{refused}");
    assert!(refused.to_string().contains("those writes would be lost"), "{refused}");
    // Forced, every key is as it was before the upgrade: an object written since in the
    // new format would not be one the old models read.
    engine(&mut store).rollback(&df_migrations::RollbackOptions { force: true, ..Default::default() }, &mut |_| {}).unwrap();
    let data = |dump: std::collections::BTreeMap<String, Vec<u8>>| dump.into_iter().filter(|(k, _)| !k.starts_with("{df_schema.}run/")).collect::<Vec<_>>();
    assert_eq!(data(store.dump()), data(before));
}

#[test]
fn bad_data_fails_the_upgrade_naming_it_and_writes_nothing() {
    let cases: [(&str, &str, &str); 4] = [
        ("{chassis.}bad", "not json", "does not hold JSON"),
        ("{chassis.}bad", "[1, 2]", "does not hold a JSON object: it holds an array"),
        ("{session:42", "x", "is in df-schema's namespace but not in its key layout's form"),
        ("{unique_key.}lport", "many", "does not hold a counter"),
    ];
    for (key, value, expected) in cases {
        let mut store = baselined();
        store.insert(key, value);
        let before = store.dump();
        let error = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err().to_string();
        assert!(error.contains(expected) && error.contains(key), "{key}: {error}");
        assert_eq!(store.dump(), before);
    }
    // A rule whose protocol no migration can map: the secgroup and the rule are named.
    let mut store = baselined();
    let mut sg: Value = serde_json::from_slice(&store.dump()["{secgroup.tenant-a}sg-web"]).unwrap();
    sg["rules"][1]["protocol"] = "dns".into();
    store.insert("{secgroup.tenant-a}sg-web", sg.to_string());
    let before = store.dump();
    let error = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err().to_string();
    assert!(error.starts_with("migration `secgroup-v3-protocol-numbers` failed: table `secgroup`, object `sg-web`: rule rule-dns"), "{error}");
    assert_eq!(store.dump(), before);
}

#[test]
fn a_database_that_predates_df_schema_must_be_baselined_and_shaped_like_its_release() {
    let mut store = MemoryStore::new();
    seed(&mut store);
    let error = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err();
    assert!(matches!(error, EngineError::NotBaselined { objects: 19, .. }), "{error}");
    let error = engine(&mut store).baseline(&df_migrations::BaselineAt::release("4.0"), std::num::NonZeroUsize::new(100).unwrap(), None, false).unwrap_err().to_string();
    assert!(error.contains("does not look like release 4.0"), "{error}");
    assert!(error.contains("no model of release 4.0 stores objects in table `ovs_port`"), "{error}");
    assert!(engine(&mut store).baseline(&df_migrations::BaselineAt::release("1.0"), std::num::NonZeroUsize::new(100).unwrap(), None, false).unwrap_err().to_string().contains("its releases are 2.0, 3.0, 4.0, 5.0"));
    // A release later than every recorded one is not the latest: it is unknown.
    let error = engine(&mut store).baseline(&df_migrations::BaselineAt::release("9.9"), std::num::NonZeroUsize::new(100).unwrap(), None, false).unwrap_err();
    assert!(matches!(&error, EngineError::UnknownRelease { release, .. } if release == "9.9"), "{error}");
    assert!(engine(&mut store).status().unwrap().models.values().all(|m| m.database.is_none()), "nothing was stamped");
}

#[test]
fn a_database_can_be_baselined_at_versions_named_outright() {
    use df_migrations::BaselineAt;
    let mut store = MemoryStore::new();
    seed(&mut store);
    let sample = std::num::NonZeroUsize::new(100).unwrap();
    let at = |every: Option<u32>, models: &[(&str, u32)]| BaselineAt::Versions { every, models: models.iter().map(|(m, v)| ((*m).to_owned(), *v)).collect() };
    let refused = |store: &mut MemoryStore, at: &BaselineAt| engine(store).baseline(at, sample, None, false).unwrap_err().to_string();

    let error = refused(&mut store, &at(None, &[("Rack", 1)]));
    assert!(error.starts_with("this build has no model Rack (nor removes one), so nothing was stamped: models known: Chassis, "), "{error}");
    let error = refused(&mut store, &at(None, &[("Chassis", 9)]));
    assert_eq!(error, "Chassis has no recorded version 9, so nothing was stamped: the lock records v1, v2");
    assert!(refused(&mut store, &at(Some(7), &[])).starts_with("no model of this build records version 7"));
    let error = refused(&mut store, &at(Some(2), &[]));
    assert!(error.contains("does not look like versions Chassis v2, "), "{error}");

    let report = engine(&mut store).baseline(&at(Some(1), &[("Chassis", 1)]), sample, Some(APPLIED_AT), false).unwrap();
    assert!(report.committed);
    assert_eq!(report.objects_checked, 19, "every object of the small database");
    let status = engine(&mut store).status().unwrap();
    assert_eq!(status.models["Chassis"].database, Some(1));
    assert_eq!(status.models["LogicalPort"].database, Some(1));
    let report = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    assert!(report.committed && !report.steps.is_empty());
}

#[test]
fn a_crash_at_any_write_leaves_the_old_or_the_new_state_after_recovery() {
    let report = df_testkit::crash::on_memory(Writes::Atomic);
    common::assert_crash_safe(&report);
    assert_eq!((report.staged, report.rolled_forward), (None, 0), "one batch under the lease");
    let report = df_testkit::crash::on_memory(Writes::Staged);
    common::assert_crash_safe(&report);
    assert!(report.staged.is_some() && report.rolled_forward > 0, "{report:?}");
    let report = df_testkit::crash::on_memory(Writes::InPlace);
    common::assert_crash_safe(&report);
    assert!(report.in_place && report.restored > 0 && report.new > 0, "{report:?}");
}

#[test]
fn only_one_runner_upgrades_and_the_other_names_the_holder() {
    let mut store = baselined();
    let mut other = store.clone();
    let holder = Holder { who: "df-runner pid 4242 on controller-1".into(), since: "2026-11-25T11:59:00Z".into() };
    assert_eq!(other.acquire_lease("their-token", &holder, Duration::from_mins(1)).unwrap(), None);
    let error = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err().to_string();
    assert_eq!(
        error,
        "another runner holds the upgrade lock on memory:: df-runner pid 4242 on controller-1 since 2026-11-25T11:59:00Z. \
         Wait for it to finish; if it died, its lease expires by itself (after --lease-ttl) and the next run completes \
         or discards its commit"
    );
    other.release_lease("their-token").unwrap();
    engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
}

#[test]
fn a_runner_whose_lease_expired_cannot_commit() {
    for writes in [Writes::Atomic, Writes::Staged] {
        let mut store = baselined();
        let before = store.dump();
        let mut pausing = CrashingStore::new(store.clone(), usize::MAX, writes);
        // The runner pauses past its lease; another runner takes the lease meanwhile.
        let mut thief = store.clone();
        let thief_holder = Holder { who: "thief".into(), since: APPLIED_AT.into() };
        let error = engine(&mut pausing)
            .with_lease_ttl(Duration::from_millis(50))
            .upgrade(&options(), &mut |event| {
                if let Event::Phase(df_migrations::Phase::Validate) = event {
                    std::thread::sleep(Duration::from_millis(120));
                    assert_eq!(thief.acquire_lease("thief", &thief_holder, Duration::from_mins(1)).unwrap(), None);
                }
            })
            .unwrap_err();
        assert!(matches!(error, EngineError::LeaseLost { .. }), "{error}");
        thief.release_lease("thief").unwrap();
        engine(&mut store).recover().unwrap();
        assert_eq!(store.dump(), before, "{writes:?}: nothing was committed");
    }
}

/// Panics on a remote VTEP port, as a buggy per-object migration might. (The campaign's
/// bad-input case has a whole-database one.)
fn panicking_binding(_id: &str, port: &mut df_schema::Object) -> Result<(), df_schema::MigrationError> {
    assert!(port.get("remote_vtep") != Some(&Value::Bool(true)), "remote VTEPs were forgotten");
    Ok(())
}

#[test]
fn a_panicking_migration_is_reported_with_the_object_and_nothing_is_written() {
    let mut store = baselined();
    let before = store.dump();
    let build = with_migration(df_migrations::Build::linked().unwrap(), "lport-v3-binding", |original| MigrationEntry {
        run: MigrationFn::Each(panicking_binding),
        ..*original
    })
    .unwrap();
    let error = df_migrations::Engine::new(&mut store, build).upgrade(&options(), &mut |_| {}).unwrap_err().to_string();
    assert_eq!(
        error,
        "migration `lport-v3-binding` panicked on table `lport`, object `port-vtep`: remote VTEPs were forgotten; nothing was written"
    );
    assert_eq!(store.dump(), before);
}

#[test]
fn a_migration_that_touches_a_table_it_did_not_declare_is_stopped_naming_both() {
    let mut store = baselined();
    let before = store.dump();
    // It also writes `lsubnet`.
    let build =
        with_migration(df_migrations::Build::linked().unwrap(), "lswitch-v3-lsubnet", |original| MigrationEntry { tables: Some(&["lswitch"]), ..*original })
            .unwrap();
    let error = df_migrations::Engine::new(&mut store, build).upgrade(&options(), &mut |_| {}).unwrap_err().to_string();
    assert!(
        error.starts_with("migration `lswitch-v3-lsubnet` panicked")
            && error.contains(r#"table `lsubnet` is not among the tables this migration declares (["lswitch"]): add it to `#[migration(tables = […])]`"#),
        "{error}"
    );
    assert_eq!(store.dump(), before);
}

#[test]
fn a_database_recorded_in_another_key_layout_is_refused() {
    let mut store = MemoryStore::new();
    store.insert("{df_schema.}state", br#"{"layout":"application:other:","models":{},"applied":{}}"#.to_vec());
    let before = store.dump();
    for error in [engine(&mut store).status().unwrap_err(), engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err()] {
        assert!(matches!(error, EngineError::OtherLayout { .. }), "{error:?}");
        assert!(error.to_string().contains("records key layout `application:other:`, but this build's models declare `dragonflow`"), "{error}");
    }
    assert_eq!(store.dump(), before);
}

#[test]
fn an_object_whose_id_cannot_be_stored_back_is_refused_before_anything_is_written() {
    let mut store = baselined();
    // A switch whose embedded subnet has an empty id: the 3.0 migration moves subnets into
    // their own table, keyed by that id.
    let (key, mut lswitch) = store
        .dump()
        .into_iter()
        .filter(|(k, _)| k.starts_with("{lswitch."))
        .map(|(k, v)| (k, serde_json::from_slice::<Value>(&v).unwrap()))
        .find(|(_, v)| v["subnets"].as_array().is_some_and(|s| !s.is_empty()))
        .expect("a seeded switch with subnets");
    lswitch["subnets"][0]["id"] = "".into();
    store.insert(&key, lswitch.to_string());
    let before = store.dump();
    let error = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err();
    assert!(matches!(&error, EngineError::Unstorable { total: 1, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("table `lsubnet`, id \"\"") && message.contains("its id is empty") && message.contains("nothing was written"), "{message}");
    assert_eq!(store.dump(), before, "the refused upgrade wrote");
    assert_eq!(df_migrations::Diagnostic::from(&error).code, "unstorable_ids");
}

#[test]
fn records_without_the_objects_the_last_upgrade_left_are_not_upgraded() {
    let mut store = baselined();
    engine(&mut store).upgrade(&UpgradeOptions { to_release: Some("4.0".into()), ..options() }, &mut |_| {}).unwrap();
    // The objects vanish, df-schema's records stay (keys evicted, say).
    let gone: Vec<df_migrations::store::Op> = objects(&store).keys().map(|k| df_migrations::store::Op::Delete(k.clone())).collect();
    store.write(&gone).unwrap();
    let before = store.dump();
    let error = engine(&mut store).upgrade(&UpgradeOptions { init: false, ..options() }, &mut |_| {}).unwrap_err();
    assert!(matches!(error, EngineError::ObjectsLost { run: 2, .. }), "{error:?}");
    assert!(error.to_string().contains("the data was lost"), "{error}");
    assert_eq!(store.dump(), before);
    // Deleted on purpose: `init` says so.
    engine(&mut store).upgrade(&UpgradeOptions { init: true, ..options() }, &mut |_| {}).unwrap();

    // A database with nothing at all says that its data, if any, is gone.
    let error = engine(&mut MemoryStore::new()).rollback(&df_migrations::RollbackOptions::default(), &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("it holds no keys at all"), "{error}");
}
