//! The application API on the memory store and on redb: migrating at start-up (the fast
//! path reads no object and takes no lease; an interrupted commit is recovered; instances
//! started at once; the wait's timeout), and the typed access (round trips, refusals,
//! errors on stored data). This file links no model crate: the build is `app_support`'s
//! two models, so that `migrate`, `Migrator::linked` and `Database::open` are tested as
//! an application calls them.

mod app_support;

use app_support::{note, seed_old_schema, start_at_once, Host, Note, Watched};
use df_migrations::records::{self, Manifest};
use df_migrations::store::{Holder, MemoryStore, Op, Store};
use df_migrations::{AppError, Build, Database, Migrator, NotMigrated, Startup};
use df_schema::Model;
use std::time::Duration;

fn migrator() -> Migrator {
    Migrator::linked().unwrap()
}

fn migrated_memory() -> MemoryStore {
    let mut store = MemoryStore::new();
    assert!(matches!(migrator().run(&mut store).unwrap(), Startup::Migrated(_)));
    store
}

fn holder(who: &str) -> Holder {
    Holder { who: who.into(), since: "2026-01-01T00:00:00Z".into() }
}

#[test]
fn this_program_links_only_the_tests_models() {
    let linked = Build::linked().unwrap();
    assert_eq!(linked.models.iter().map(|m| m.name).collect::<Vec<_>>(), app_support::build().models.iter().map(|m| m.name).collect::<Vec<_>>());
}

#[test]
fn a_fresh_database_is_migrated_once_then_nothing_is_pending() {
    let mut store = Watched::new(MemoryStore::new());
    let Startup::Migrated(report) = migrator().run(&mut store).unwrap() else { panic!("a fresh database has steps pending") };
    assert!(report.committed);
    assert_eq!(report.steps.iter().map(|s| s.kind.to_string()).collect::<Vec<_>>(), ["new model", "automatic", "new model"], "{report:#?}");
    let reads = store.scans();
    assert!(reads > 0);
    assert!(matches!(migrator().run(&mut store).unwrap(), Startup::NothingPending));
    assert_eq!(store.scans(), reads, "nothing pending: only the engine's records are read");
}

#[test]
fn the_fast_path_reads_no_object_and_takes_no_lease() {
    let mut store = Watched::new(migrated_memory());
    let objects: Vec<Op> =
        (0..5_000).map(|i| Op::Set(format!("{{app_note.t}}n{i}"), serde_json::to_vec(&note("t", &format!("n{i}"), "x")).unwrap())).collect();
    store.write(&objects).unwrap();
    // Another instance holds the lease (say, allocating a key): the fast path needs none.
    assert_eq!(store.acquire_lease("someone else", &holder("another instance"), Duration::from_mins(1)).unwrap(), None);
    assert!(matches!(migrator().run(&mut store).unwrap(), Startup::NothingPending));
    assert_eq!(store.scans(), 0);
}

/// `upgrade` itself, with nothing pending, reads the engine's records alone, as start-up
/// does; an interrupted commit (its intent record) still makes it read and recover.
#[test]
fn an_upgrade_with_nothing_pending_reads_only_the_records() {
    let mut store = Watched::new(migrated_memory());
    let upgrade = |store: &mut Watched<MemoryStore>| df_migrations::Engine::new(store, Build::linked().unwrap()).upgrade(&df_migrations::UpgradeOptions::default(), &mut |_| {}).unwrap();
    let report = upgrade(&mut store);
    assert!(report.steps.is_empty() && !report.committed && report.objects_read == 0 && report.recovered.is_none(), "{report:#?}");
    assert_eq!(store.scans(), 0);
    let intent = records::Intent { tag: "0123456789abcdef".into(), who: "a dead runner".into(), since: "2026-01-01T00:00:00Z".into(), undo: None };
    store.write(&[Op::Set(records::intent_key().encode(), serde_json::to_vec(&intent).unwrap())]).unwrap();
    let report = upgrade(&mut store);
    assert_eq!(report.recovered, Some(df_migrations::Recovery::Discarded), "{report:#?}");
    assert!(store.scans() > 0, "the upgrade read the database");
    assert_eq!(store.inner.get_many(&[records::intent_key().encode()]).unwrap(), [None]);
}

#[test]
fn an_interrupted_commit_is_recovered_not_skipped() {
    let mut store = Watched::new(migrated_memory());
    let record = Manifest { action: df_migrations::records::Action::Upgrade, id: "interrupted".into(), ..Manifest::default() };
    store.write(&[Op::Set(records::commit_key().encode(), serde_json::to_vec(&record).unwrap())]).unwrap();
    let Startup::Migrated(report) = migrator().run(&mut store).unwrap() else { panic!("an interrupted commit must be recovered") };
    assert_eq!(report.recovered, Some(df_migrations::Recovery::RolledForward), "{report:#?}");
    assert!(report.steps.is_empty());
    assert!(store.scans() > 0, "the upgrade read the database");
    assert!(matches!(migrator().run(&mut store).unwrap(), Startup::NothingPending));
}

#[test]
fn four_instances_at_once_on_one_memory_store_one_migrates() {
    let store = MemoryStore::new();
    let outcomes = start_at_once(&app_support::build(), vec![store.clone(), store.clone(), store.clone(), store.clone()]);
    app_support::assert_one_migrated(&outcomes);
}

#[test]
fn waiting_for_an_instance_that_does_not_finish_times_out_naming_store_and_holder() {
    let mut store = MemoryStore::new();
    store.acquire_lease("stuck", &holder("a stuck instance on node-7"), Duration::from_mins(1)).unwrap();
    let started = std::time::Instant::now();
    let error = migrator().wait_timeout(Duration::from_millis(200)).run(&mut store).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(200));
    let AppError::Timeout { store: described, pending, holder: Some(holder), .. } = &error else { panic!("{error:?}") };
    assert_eq!((described.as_str(), *pending, holder.who.as_str()), ("memory:", 3, "a stuck instance on node-7"));
    let message = error.to_string();
    assert!(message.starts_with("gave up on memory: after") && message.contains("a stuck instance on node-7"), "{message}");
}

#[test]
fn an_instance_that_waited_migrates_when_the_holder_gives_up() {
    let store = MemoryStore::new();
    store.clone().acquire_lease("quitter", &holder("an instance that fails"), Duration::from_mins(1)).unwrap();
    let releaser = {
        let mut store = store.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            store.release_lease("quitter").unwrap();
        })
    };
    let outcome = migrator().wait_timeout(Duration::from_secs(10)).run(&mut store.clone()).unwrap();
    releaser.join().unwrap();
    assert_eq!(outcome.steps_applied(), 3, "{outcome:?}");
}

/// Migrates `store`, then puts, gets, lists, deletes and allocates through a `Database`.
fn typed_round_trip(mut store: Box<dyn Store>) {
    migrator().run(&mut *store).unwrap();
    let mut db = Database::new(store).unwrap();
    let mut a = note("tenant-a", "n1", "first");
    a.unique_key = db.allocate::<Note>().unwrap();
    let mut b = note("tenant-b", "n2", "second");
    b.unique_key = db.allocate::<Note>().unwrap();
    assert_eq!((a.unique_key, b.unique_key), (1, 2));
    db.put(&a).unwrap();
    db.put(&b).unwrap();
    let host = Host { id: "h1".into(), name: "alpha".into(), state: "down".into() };
    db.put(&host).unwrap();

    assert_eq!(db.get::<Note>("tenant-a", "n1").unwrap(), Some(a.clone()));
    assert_eq!(db.get::<Note>("tenant-b", "n1").unwrap(), None, "the topic is part of the key");
    assert_eq!(db.get::<Host>("", "h1").unwrap(), Some(host.clone()));
    assert_eq!(db.list::<Note>().unwrap(), [a.clone(), b.clone()]);
    assert_eq!(db.list::<Host>().unwrap(), [host]);

    // Exactly the engine's layout and serde_json's compact bytes; the counter as INCR keeps it.
    let keys = ["{app_note.tenant-a}n1".to_owned(), "{unique_key.}app_note".to_owned()];
    let stored = db.store().get_many(&keys).unwrap();
    assert_eq!(stored[0].as_deref(), Some(serde_json::to_vec(&a).unwrap().as_slice()));
    assert_eq!(stored[1].as_deref(), Some(&b"2"[..]));

    db.delete::<Note>("tenant-a", "n1").unwrap();
    assert_eq!(db.get::<Note>("tenant-a", "n1").unwrap(), None);
    assert_eq!(db.list::<Note>().unwrap(), [b]);
    assert_eq!(db.allocate::<Host>().unwrap(), 1, "one counter per table");
    assert_eq!(db.allocate::<Note>().unwrap(), 3);
    db.refresh().unwrap();
}

#[test]
fn typed_round_trip_on_memory() {
    typed_round_trip(Box::new(MemoryStore::new()));
}

#[test]
fn typed_round_trip_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    typed_round_trip(df_migrations::store::open_or_create(dir.path().join("app.redb").to_str().unwrap(), &df_migrations::store::RedisOptions::default()).unwrap());
}

#[test]
fn migrate_and_open_by_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redb:{}", dir.path().join("app.redb").display());
    assert_eq!(df_migrations::migrate(&url).unwrap().steps_applied(), 3);
    assert!(matches!(df_migrations::migrate(&url).unwrap(), Startup::NothingPending));
    let mut db = Database::open(&url).unwrap();
    db.put(&note("t", "n1", "kept")).unwrap();
    drop(db);
    assert_eq!(Database::open(&url).unwrap().get::<Note>("t", "n1").unwrap(), Some(note("t", "n1", "kept")));
}

#[test]
fn a_database_that_was_never_migrated_is_refused() {
    let error = Database::new(Box::new(MemoryStore::new())).unwrap_err();
    assert!(matches!(&error, AppError::NotMigrated { why: NotMigrated::NoState, .. }), "{error:?}");
}

#[test]
fn an_old_schema_database_is_refused_until_migrated() {
    let mut store = MemoryStore::new();
    seed_old_schema(&mut store);
    let error = Database::new(Box::new(store.clone())).unwrap_err();
    let AppError::NotMigrated { why, .. } = &error else { panic!("{error:?}") };
    assert_eq!(why, &NotMigrated::Model { model: "Host".into(), db: Some(1), build: 2 });
    assert_eq!(
        error.to_string(),
        "memory: is not at this build's schema: model Host is at v1 in the database and at v2 in this build. Run the \
         migrations first (`df_migrations::migrate`, or `df-runner upgrade`), then open the database again or call \
         `Database::refresh`"
    );

    assert_eq!(migrator().run(&mut store).unwrap().steps_applied(), 2, "Host v1 → v2, and Note");
    let mut db = Database::new(Box::new(store.clone())).unwrap();
    assert_eq!(db.get::<Host>("", "h1").unwrap(), Some(Host { id: "h1".into(), name: "alpha".into(), state: "up".into() }));

    // Checked at open and on refresh only: the handle keeps working until refresh.
    seed_old_schema(&mut store);
    let error = db.refresh().unwrap_err();
    assert!(matches!(error, AppError::NotMigrated { why: NotMigrated::Model { .. }, .. }), "{error:?}");
}

#[test]
fn stored_data_that_is_not_the_model_is_an_error_naming_the_key() {
    let store = migrated_memory();
    store.insert("{app_note.t}broken", "{\"id\":\"broken\"");
    store.insert("{app_note.t}moved", serde_json::to_vec(&note("t", "elsewhere", "x")).unwrap());
    store.insert("{unique_key.}app_note", "eleven");
    let mut db = Database::new(Box::new(store)).unwrap();
    for (id, reason) in [("broken", "EOF while parsing"), ("moved", "holds the object with id \"elsewhere\"")] {
        let error = db.get::<Note>("t", id).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, AppError::BadValue { .. }), "{error:?}");
        assert!(message.starts_with(&format!("memory:: key {{app_note.t}}{id} (table `app_note`) does not hold a Note:")), "{message}");
        assert!(message.contains(reason), "{message}");
    }
    assert!(matches!(db.list::<Note>().unwrap_err(), AppError::BadValue { key, .. } if key == "{app_note.t}broken"));
    let error = db.allocate::<Note>().unwrap_err();
    assert!(error.to_string().contains("{unique_key.}app_note (table `app_note`)") && error.to_string().contains("\"eleven\""), "{error}");
}

#[test]
fn ids_and_topics_the_layout_cannot_hold_are_refused() {
    let mut db = Database::new(Box::new(migrated_memory())).unwrap();
    for (topic, id) in [("t", ""), ("a}b", "n1")] {
        let error = db.put(&note(topic, id, "x")).unwrap_err();
        assert!(matches!(error, AppError::BadKey { .. }), "{topic:?} {id:?}: {error:?}");
    }
    // An id that begins as the engine's staging markers do is an id like any other.
    let marked = note("t", "~df-stage~c0ffee~n1", "x");
    db.put(&marked).unwrap();
    assert_eq!(db.get::<Note>("t", "~df-stage~c0ffee~n1").unwrap(), Some(marked.clone()));
    assert_eq!(db.list::<Note>().unwrap(), [marked]);
    let error = db.get::<Host>("a-topic", "h1").unwrap_err();
    assert!(error.to_string().contains("the model has no topic"), "{error}");
}

#[test]
fn a_model_the_build_lacks_is_refused() {
    let mut store = MemoryStore::new();
    let all = app_support::build();
    let hosts_only = Build { models: all.models.into_iter().filter(|m| m.name == Host::NAME).collect(), migrations: Vec::new(), layout: all.layout };
    assert_eq!(Migrator::new(hosts_only.clone()).run(&mut store).unwrap().steps_applied(), 2);
    let mut db = Database::with_build(Box::new(store), hosts_only).unwrap();
    let error = db.list::<Note>().unwrap_err();
    assert!(matches!(error, AppError::UnknownModel { model: "Note", table: "app_note", version: 1, .. }), "{error:?}");
}

#[test]
fn an_allocation_waits_for_the_lease_and_then_names_its_holder() {
    let store = migrated_memory();
    let mut db = Database::new(Box::new(store.clone())).unwrap().lease_wait(Duration::from_millis(50));
    store.clone().acquire_lease("upgrade", &holder("df-runner pid 1 on node-2"), Duration::from_mins(1)).unwrap();
    let error = db.allocate::<Note>().unwrap_err();
    let AppError::Locked { holder: Some(holder), table: "app_note", .. } = &error else { panic!("{error:?}") };
    assert_eq!(holder.who, "df-runner pid 1 on node-2");
    store.release_all_leases();
    assert_eq!(db.allocate::<Note>().unwrap(), 1);
}
