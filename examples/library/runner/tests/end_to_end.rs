//! The lending library end to end through its own runner, on redb and on a private Redis
//! server that it shares with another application: a 1.0 database as the 1.0 application
//! left it, baselined, upgraded release by release (with a loan written by the 1.1
//! application in between), each release compared with the JSON in `tests/data/`
//! (written by hand, not by the migrations), then rolled back to the exact bytes of 2.0
//! (data, counters, log and state).
//! The other application's keys stay as they were throughout.

use df_migrations::store::{self, Op, RedisOptions, Store};
use df_testkit::redis_server::RedisServer;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::process::Command;

const NAMESPACE: &str = "library:";

/// Another application's keys in the same database.
const FOREIGN: [(&str, &str); 2] = [("session:42", "{\"user\":\"ann\"}"), ("library-cache:b1", "stale")];

fn data(name: &str) -> Map<String, Value> {
    let path = format!("{}/tests/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Writes objects, given by key without the namespace, as the application would.
fn write(store: &mut dyn Store, objects: &Map<String, Value>) {
    let ops: Vec<Op> = objects.iter().map(|(key, object)| Op::Set(format!("{NAMESPACE}{key}"), object.to_string().into_bytes())).collect();
    store.write(&ops).unwrap();
}

/// Every key of the namespace with its bytes: the data, the counters, the log and the
/// state, but not the engine's bookkeeping (the last upgrade's image and manifest, which
/// say how to roll back, not what the database holds).
fn namespace(store: &mut dyn Store) -> BTreeMap<String, Vec<u8>> {
    let mut keys = BTreeMap::new();
    store.scan(NAMESPACE, &mut |key, value| {
        let key = String::from_utf8(key.to_vec()).unwrap();
        if !df_migrations::records::is_bookkeeping(&key[NAMESPACE.len()..]) {
            keys.insert(key, value);
        }
    })
    .unwrap();
    keys
}

/// The data objects, by key without the namespace (no counters, log or records).
fn objects(store: &mut dyn Store) -> Map<String, Value> {
    namespace(store)
        .into_iter()
        .filter_map(|(key, value)| Some((key.strip_prefix(NAMESPACE)?.to_owned(), value)))
        .filter(|(key, _)| !["{schema_migration.", "{df_schema.", "{unique_key."].iter().any(|p| key.starts_with(p)))
        .map(|(key, value)| (key, serde_json::from_slice(&value).unwrap()))
        .collect()
}

fn runner(url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_library-runner")).env_remove("DF_DB_URL").args(["--db", url]).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "library-runner {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn foreign(store: &mut dyn Store) -> Vec<Option<Vec<u8>>> {
    store.get_many(&FOREIGN.map(|(key, _)| key.to_owned())).unwrap()
}

/// The history on the store at `url`; `open` opens it again between runner commands (an
/// embedded database is held by one process at a time).
fn releases(url: &str, open: impl Fn() -> Box<dyn Store>) {
    {
        let mut store = open();
        store.write(&FOREIGN.map(|(key, value)| Op::Set(key.to_owned(), value.as_bytes().to_vec()))).unwrap();
        write(store.as_mut(), &data("release-1.0"));
    }
    let foreign_before = foreign(open().as_mut());

    runner(url, &["baseline", "--release", "1.0"]);
    runner(url, &["upgrade", "--to", "1.1"]);
    assert_eq!(objects(open().as_mut()), data("release-1.1"));
    write(open().as_mut(), &data("loan-at-1.1"));

    runner(url, &["upgrade", "--to", "2.0"]);
    assert_eq!(objects(open().as_mut()), data("release-2.0"));
    let at_2_0 = namespace(open().as_mut());

    let plan = runner(url, &["plan"]);
    for id in ["book-v4-isbn-text", "auto/Account/v1", "member-v3-accounts", "loan-v2-lending", "reservation-removed"] {
        assert!(plan.contains(id), "{id} is not planned:\n{plan}");
    }
    runner(url, &["upgrade", "--to", "3.0"]);
    assert_eq!(objects(open().as_mut()), data("release-3.0"));
    let history = runner(url, &["history"]);
    for id in ["baseline/1.0", "auto/Book/v2", "auto/Loan/v1", "book-v3-author-split", "member-v2-contact-email", "reservation-removed"] {
        assert!(history.contains(id), "{id} is not in the history:\n{history}");
    }

    runner(url, &["rollback", "--yes"]);
    let restored = namespace(open().as_mut());
    let differing: Vec<&String> = restored.keys().chain(at_2_0.keys()).filter(|key| restored.get(*key) != at_2_0.get(*key)).collect();
    assert!(differing.is_empty(), "rollback did not restore the exact bytes of 2.0: {differing:?}");
    assert_eq!(foreign(open().as_mut()), foreign_before);
    assert_eq!(foreign_before, FOREIGN.map(|(_, value)| Some(value.as_bytes().to_vec())));

    // The loan state enum: 3.1 adds the field with its default, 3.2 a variant; both steps
    // are automatic, and a state with data stored in between decodes after.
    runner(url, &["upgrade", "--to", "3.1"]);
    write(open().as_mut(), &data("loan-at-3.1"));
    let plan = runner(url, &["plan"]);
    assert!(plan.contains("auto/Loan/v4"), "{plan}");
    runner(url, &["upgrade"]);
    assert_eq!(objects(open().as_mut()), data("release-3.2"));
    assert!(runner(url, &["verify"]).starts_with("ok:"));
}

#[test]
fn the_library_history_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redb:{}", dir.path().join("library.redb").display());
    releases(&url, || store::open_or_create(&url, &RedisOptions::default()).unwrap());
}

#[test]
fn the_library_history_on_a_shared_redis() {
    let Some(server) = RedisServer::start() else { return };
    let url = server.url();
    releases(&url, || store::open(&url, &RedisOptions::default()).unwrap());
}

/// The lock records `isbn` at 1.0 as a `u64`: a book whose ISBN is negative is not a 1.0
/// book, and `baseline` says which object fails and why, writing nothing.
#[test]
fn a_baseline_refuses_an_integer_outside_its_recorded_width() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redb:{}", dir.path().join("library.redb").display());
    {
        let mut store = store::open_or_create(&url, &RedisOptions::default()).unwrap();
        let mut objects = data("release-1.0");
        objects["{book.}b2"]["isbn"] = Value::from(-1);
        write(store.as_mut(), &objects);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_library-runner")).args(["--db", &url, "baseline", "--release", "1.0"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a negative u64 passed the baseline: {stderr}");
    assert!(stderr.contains("b2") && stderr.contains("Book v1"), "the refusal names the object and the version: {stderr}");
    let mut store = store::open(&url, &RedisOptions::default()).unwrap();
    assert!(namespace(store.as_mut()).keys().all(|key| !key.contains("{schema_migration.")), "nothing is recorded");
}
