//! Files the runner must not destroy: `demo` replaces only a database it created, and not
//! while another process has it open; `export` and `import` refuse the live database file;
//! a damaged redb file and a negative counter are clear refusals, the file left as it was.

use assert_cmd::Command;
use df_migrations::store::{Op, RedbStore, Store};
use std::path::Path;

fn runner(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("dragonflow-runner").unwrap().env_remove("DF_DB_URL").env_remove("RUST_LOG").args(args).assert()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Every key and value of a redb database (its file's bytes change when redb opens it).
fn contents(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut store = RedbStore::open(path).unwrap();
    let mut entries = Vec::new();
    store.scan("", &mut |key, value| entries.push((key.to_vec(), value))).unwrap();
    entries.sort();
    entries
}

/// A scratch directory with an initialized database `nb.redb` in it, and that file's path.
fn initialized() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.redb").to_str().unwrap().to_owned();
    runner(&["--db", &db, "-q", "init"]).success();
    (dir, db)
}

#[test]
fn demo_replaces_only_its_own_database_and_not_while_it_is_open() {
    let (dir, theirs) = initialized();
    let theirs = theirs.as_str();
    let before = contents(Path::new(theirs));
    let refused = stderr(&runner(&["demo", "--objects", "50", "--file", theirs]).code(1));
    assert!(refused.contains("is not a database that `demo` created, so demo leaves it alone"), "{refused}");
    assert_eq!(contents(Path::new(theirs)), before, "the refused demo changed the database");

    let own = dir.path().join("demo.redb");
    let own = own.to_str().unwrap();
    runner(&["-q", "demo", "--objects", "50", "--file", own]).success();
    runner(&["-q", "demo", "--objects", "50", "--file", own]).success();
    let history = String::from_utf8_lossy(&runner(&["--db", own, "--format", "json", "history"]).success().get_output().stdout).into_owned();
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(history["runs"].as_array().unwrap().len(), 3, "a fresh demo each time: import, baseline, upgrade: {history:#}");

    // Held by another process (this one), it is refused, not emptied.
    let held = RedbStore::open(Path::new(own)).unwrap();
    let refused = stderr(&runner(&["demo", "--objects", "50", "--file", own]).code(1));
    assert!(refused.contains("open in another process"), "{refused}");
    drop(held);
    runner(&["--db", own, "verify"]).success();
}

#[test]
fn export_and_import_refuse_the_live_database_file() {
    let (dir, db) = initialized();
    let db = db.as_str();
    let before = contents(Path::new(db));
    for (command, file) in [("export", db.to_owned()), ("import", db.to_owned()), ("export", format!("{}/./nb.redb", dir.path().display()))] {
        let refused = stderr(&runner(&["--db", db, command, &file]).code(1));
        assert!(refused.contains("is the database file itself (--db)"), "{command} {file}: {refused}");
    }
    assert_eq!(contents(Path::new(db)), before);
    runner(&["--db", db, "verify"]).success();
}

#[test]
fn a_damaged_file_and_a_negative_counter_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.redb");
    let db = db.to_str().unwrap();
    runner(&["-q", "demo", "--objects", "50", "--file", db]).success();
    let whole = bytes(Path::new(db));
    let truncated = dir.path().join("truncated.redb");
    std::fs::write(&truncated, &whole[..whole.len() / 3]).unwrap();
    let refused = stderr(&runner(&["--db", truncated.to_str().unwrap(), "status"]).code(1));
    assert!(refused.contains("the file is damaged") && refused.contains("restore the file from a copy"), "{refused}");
    assert!(!refused.contains("panicked"), "{refused}");
    assert_eq!(bytes(&truncated), &whole[..whole.len() / 3], "the damaged file was changed");

    let mut store = RedbStore::open(Path::new(db)).unwrap();
    store.write(&[Op::Set("{unique_key.}lport".into(), b"-5".to_vec())]).unwrap();
    drop(store);
    let refused = stderr(&runner(&["--db", db, "verify"]).code(1));
    assert!(refused.contains("key {unique_key.}lport does not hold a counter: not a non-negative decimal integer"), "{refused}");
}

#[test]
fn a_key_that_is_not_utf8_is_not_exported_rewritten() {
    let Some(server) = df_testkit::redis_server::RedisServer::start() else { return };
    let url = format!("redis://{}/0", server.address());
    runner(&["--db", &url, "-q", "init"]).success();
    let mut connection = server.connection();
    redis::cmd("SET").arg(b"{chassis.}\xff\xfe".as_slice()).arg("{}").query::<()>(&mut connection).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.jsonl");
    let refused = stderr(&runner(&["--db", &url, "export", file.to_str().unwrap()]).code(1));
    assert!(refused.contains("key 0x7b636861737369732e7dfffe") && refused.contains("is not UTF-8"), "{refused}");
    assert!(!file.exists(), "a refused export left a file");
}

#[test]
fn an_export_is_never_of_a_commit_in_progress() {
    use df_migrations::records;
    let (dir, db) = initialized();
    let db = db.as_str();
    let clean = dir.path().join("clean.jsonl");
    runner(&["--db", db, "-q", "export", clean.to_str().unwrap()]).success();

    // A runner died mid-commit: a staged value and its intent are left.
    let staged = df_migrations::layout::stage_raw("{chassis.}c1", "deadbeefdeadbeef");
    let intent = serde_json::json!({"tag": "deadbeefdeadbeef", "who": "dragonflow-runner pid 1 on c1", "since": "2026-12-03T07:00:00Z"});
    let mut store = RedbStore::open(Path::new(db)).unwrap();
    store.write(&[Op::Set(staged.clone(), br#"{"id":"c1"}"#.to_vec()), Op::Set(records::intent_key().encode(), intent.to_string().into_bytes())]).unwrap();
    drop(store);
    let mixed = dir.path().join("mixed.jsonl");
    let refused = stderr(&runner(&["--db", db, "export", mixed.to_str().unwrap()]).code(1));
    assert!(refused.contains("is in the middle of a commit") && refused.contains("Run `recover`"), "{refused}");
    assert!(!mixed.exists());
    runner(&["--db", db, "-q", "recover"]).success();
    runner(&["--db", db, "-q", "export", mixed.to_str().unwrap()]).success();

    // An export file that holds such keys (taken by an older df-schema, which exported
    // without the lease) is not imported.
    let text = std::fs::read_to_string(&clean).unwrap();
    let ops: Vec<Op> = df_migrations::transfer::read_export(&mut text.as_bytes()).unwrap();
    let mut with_stage: Vec<(String, Vec<u8>)> = ops.into_iter().map(|op| match op {
        Op::Set(key, value) => (key, value),
        other => panic!("{other:?}"),
    }).collect();
    with_stage.push((staged, br#"{"id":"c1"}"#.to_vec()));
    with_stage.push((records::intent_key().encode(), intent.to_string().into_bytes()));
    let mut file = Vec::new();
    df_migrations::transfer::write_export(&mut file, "redb:old", with_stage.into_iter()).unwrap();
    let old = dir.path().join("old.jsonl");
    std::fs::write(&old, file).unwrap();
    let fresh = dir.path().join("fresh.redb");
    let refused = stderr(&runner(&["--db", fresh.to_str().unwrap(), "import", old.to_str().unwrap()]).code(1));
    assert!(refused.contains("it was taken mid-commit and is not a committed state"), "{refused}");
}

#[test]
fn an_upgrade_that_a_redis_memory_limit_cannot_hold_is_refused_before_writing() {
    let Some(server) = df_testkit::redis_server::RedisServer::start() else { return };
    let url = format!("redis://{}/0", server.address());
    let mut store = df_migrations::store::open(&url, &df_migrations::store::RedisOptions::default()).unwrap();
    let ops: Vec<Op> = dragonflow_fixtures::generate(2000, 7).into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    store.write(&ops).unwrap();
    drop(store);
    runner(&["--db", &url, "-q", "baseline", "--release", "2.0"]).success();
    let mut connection = server.connection();
    let keys = |connection: &mut redis::Connection| -> Vec<String> {
        let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(connection).unwrap();
        keys.sort();
        keys
    };
    let before = keys(&mut connection);
    let info: String = redis::cmd("INFO").arg("memory").query(&mut connection).unwrap();
    let used: u64 = info.lines().find_map(|l| l.strip_prefix("used_memory:")).unwrap().trim().parse().unwrap();
    redis::cmd("CONFIG").arg("SET").arg("maxmemory-policy").arg("allkeys-lru").query::<()>(&mut connection).unwrap();
    redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(used + 200_000).query::<()>(&mut connection).unwrap();

    let refused = stderr(&runner(&["--db", &url, "upgrade"]).code(1));
    assert!(refused.contains("the server would evict keys (maxmemory-policy allkeys-lru), losing data"), "{refused}");
    assert!(refused.contains("Raise maxmemory to at least"), "{refused}");
    redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(0).query::<()>(&mut connection).unwrap();
    let after = keys(&mut connection);
    let changed: Vec<&String> = after.iter().filter(|k| !before.contains(k)).chain(before.iter().filter(|k| !after.contains(k))).collect();
    assert!(changed.is_empty(), "the refused upgrade wrote, or keys were evicted: {changed:?}");
    runner(&["--db", &url, "-q", "upgrade"]).success();
}
