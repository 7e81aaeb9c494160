//! The operator's accidents the runner refuses, each leaving the database as it was: a
//! mistyped `--db` (a file that does not exist, an empty Redis database), a target release
//! the build does not know, an `--accept-changed` of a migration that did not change; and
//! `status` telling exactly what `recover` then does.

use assert_cmd::Command;
use df_migrations::records;
use df_migrations::store::{Op, RedbStore, Store};
use df_testkit::redis_server::RedisServer;
use serde_json::Value;
use std::path::Path;

fn runner(url: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("dragonflow-runner").unwrap().env_remove("DF_DB_URL").args(["--db", url]).args(args).assert()
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

fn status_json(url: &str) -> Value {
    serde_json::from_str(&stdout(&runner(url, &["--format", "json", "status"]).success())).unwrap()
}

#[test]
fn a_database_file_that_does_not_exist_is_refused_by_every_command_that_reads_or_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.redb");
    let url = path.to_str().unwrap();
    for args in [
        &["status"][..],
        &["plan"],
        &["upgrade"],
        &["upgrade", "--dry-run"],
        &["rollback", "--yes"],
        &["history"],
        &["recover"],
        &["verify"],
        &["baseline", "--release", "2.0"],
        &["export", dir.path().join("out.jsonl").to_str().unwrap()],
    ] {
        let refused = stderr(&runner(url, args).code(1));
        assert!(refused.contains(&format!("the database redb:{url} does not exist, and this command does not create one")), "{args:?}: {refused}");
        assert!(refused.contains("run `init`"), "{args:?}: {refused}");
        assert!(!path.exists(), "{args:?} created the file");
    }
}

#[test]
fn init_creates_a_database_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.redb");
    let url = path.to_str().unwrap();
    let dry = stdout(&runner(url, &["init", "--dry-run"]).success());
    assert!(dry.contains("dry run: nothing was written"), "{dry}");
    assert!(!path.exists(), "a dry run created the file");

    let created = stdout(&runner(url, &["init"]).success());
    assert!(created.contains("steps committed"), "{created}");
    let status = status_json(url);
    assert_eq!(status["pending"], serde_json::json!([]));
    assert_eq!(status["models"]["LogicalPort"]["database"], 5);
    let again = stderr(&runner(url, &["init"]).code(1));
    assert!(again.contains("is already initialized (it holds df-schema state): use `upgrade`"), "{again}");

    // `upgrade --init` creates a missing file, and upgrades an existing database.
    let other = dir.path().join("other.redb");
    runner(other.to_str().unwrap(), &["upgrade", "--init"]).success();
    assert_eq!(status_json(other.to_str().unwrap())["pending"], serde_json::json!([]));
    let current = stdout(&runner(other.to_str().unwrap(), &["upgrade", "--init"]).success());
    assert!(current.contains("nothing pending"), "{current}");
}

#[test]
fn an_empty_redis_database_is_not_initialized_by_a_plain_upgrade() {
    let Some(server) = RedisServer::start() else { return };
    // The wrong database number: empty, and left empty.
    let url = format!("redis://{}/1", server.address());
    let refused = stderr(&runner(&url, &["upgrade"]).code(1));
    assert!(refused.contains("holds no df-schema state and no objects of this build's models"), "{refused}");
    assert!(refused.contains("check the URL, the file path, the Redis database number"), "{refused}");
    let mut connection = server.connection();
    redis::cmd("SELECT").arg(1).query::<()>(&mut connection).unwrap();
    let count: usize = redis::cmd("DBSIZE").query(&mut connection).unwrap();
    assert_eq!(count, 0, "the refused upgrade wrote keys");
    runner(&url, &["init"]).success();
    assert_eq!(status_json(&url)["pending"], serde_json::json!([]));
}

/// A database at 5.0 in a new file, and its URL.
fn initialized(dir: &Path) -> String {
    let url = dir.join("nb.redb").to_str().unwrap().to_owned();
    runner(&url, &["-q", "init"]).success();
    url
}

#[test]
fn a_target_release_the_build_does_not_know_is_refused_listing_those_it_knows() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("nb.redb").to_str().unwrap().to_owned();
    for target in ["40", "abc", "v3.0", "3,0", "3"] {
        let expected = format!("this build knows no release `{target}`, so nothing was done: its releases are 2.0, 3.0, 4.0, 5.0");
        let upgrade = stderr(&runner(&url, &["upgrade", "--init", "--to", target]).code(1));
        assert!(upgrade.contains(&expected), "upgrade --to {target}: {upgrade}");
        assert!(!dir.path().join("nb.redb").exists(), "upgrade --to {target} created the database");
        let plan = stderr(&runner(&url, &["upgrade", "--init", "--dry-run", "--to", target]).code(1));
        assert!(plan.contains(&expected), "upgrade --dry-run --to {target}: {plan}");
    }
    let url = initialized(dir.path());
    for target in ["40", "3"] {
        let plan = stderr(&runner(&url, &["plan", "--to", target]).code(1));
        assert!(plan.contains(&format!("this build knows no release `{target}`")), "plan --to {target}: {plan}");
    }
    // A known one plans that far.
    runner(&url, &["plan", "--to", "3.0", "--check"]).success();
}

/// Records in `url`'s state that migration `id` was applied with other code.
fn edit_applied_checksum(url: &str, id: &str) {
    let mut store = RedbStore::open(Path::new(url)).unwrap();
    let key = records::state_key().encode();
    let mut state: Value = serde_json::from_slice(store.get_many(std::slice::from_ref(&key)).unwrap()[0].as_ref().unwrap()).unwrap();
    state["applied"][id]["checksum"] = Value::from("0123456789abcdef0123");
    store.write(&[Op::Set(key, serde_json::to_vec(&state).unwrap())]).unwrap();
}

#[test]
fn accept_changed_takes_only_a_changed_applied_migration_and_records_it_with_nothing_pending() {
    let dir = tempfile::tempdir().unwrap();
    let url = initialized(dir.path());
    let typo = stderr(&runner(&url, &["upgrade", "--accept-changed", "nosuch-id"]).code(1));
    assert!(typo.contains("cannot accept `nosuch-id`") && typo.contains("this build has no migration of that id"), "{typo}");
    assert!(typo.contains("applied migrations whose code changed: none"), "{typo}");
    let unchanged = stderr(&runner(&url, &["upgrade", "--accept-changed", "lport-v3-binding"]).code(1));
    assert!(unchanged.contains("its code is the same as when it was applied"), "{unchanged}");

    edit_applied_checksum(&url, "lport-v3-binding");
    for command in ["status", "plan", "verify"] {
        let refused = runner(&url, &[command]).code(1);
        // `verify` reports problems on stdout, the others fail with an error.
        let text = if command == "verify" { stdout(&refused) } else { stderr(&refused) };
        assert!(text.contains("migration `lport-v3-binding` changed after it was applied"), "{command}: {text}");
    }
    let dry = stdout(&runner(&url, &["upgrade", "--dry-run", "--accept-changed", "lport-v3-binding"]).success());
    assert!(dry.contains("would accept (dry run) the changed code of migration `lport-v3-binding`"), "{dry}");
    runner(&url, &["status"]).code(1);
    let accepted = stdout(&runner(&url, &["upgrade", "--accept-changed", "lport-v3-binding"]).success());
    assert!(accepted.contains("accepted the changed code of migration `lport-v3-binding` (recorded in the history)"), "{accepted}");
    runner(&url, &["status"]).success();
    runner(&url, &["verify"]).success();
    let history = stdout(&runner(&url, &["history"]).success());
    assert!(history.contains("accepted/lport-v3-binding/") && history.contains("checksum 0123456789ab when applied"), "{history}");
}

/// Writes engine records into the file `url` as a runner that died would leave them.
fn leave(url: &str, ops: &[Op]) {
    RedbStore::open(Path::new(url)).unwrap().write(ops).unwrap();
}

#[test]
fn status_says_what_recover_then_does() {
    let dir = tempfile::tempdir().unwrap();
    let url = initialized(dir.path());
    assert_eq!(status_json(&url)["interrupted_commit"], Value::Null);

    // A runner that died while writing its image: an intent and a chunk, no decision.
    let intent = serde_json::json!({"tag": "deadbeefdeadbeef", "who": "dragonflow-runner pid 1 on c1", "since": "2026-12-03T07:00:00Z"});
    let chunk = df_migrations::layout::image_key("deadbeefdeadbeef", 0);
    leave(&url, &[Op::Set(records::intent_key().encode(), intent.to_string().into_bytes()), Op::Set(chunk, b"df-image 1\n".to_vec())]);
    assert_eq!(status_json(&url)["interrupted_commit"], "undecided");
    let text = stdout(&runner(&url, &["status"]).success());
    assert!(text.contains("an undecided commit was interrupted: `recover` (or the next upgrade or rollback) discards it"), "{text}");
    let recovered = stdout(&runner(&url, &["recover"]).success());
    assert_eq!(recovered.trim(), "discarded an undecided commit: the data is in its old state");
    assert_eq!(status_json(&url)["interrupted_commit"], Value::Null);
    let clean = stdout(&runner(&url, &["recover"]).success());
    assert_eq!(clean.trim(), "nothing to recover: no commit was interrupted");

    // A decided commit with nothing left to roll forward.
    let record = serde_json::json!({"action": "upgrade", "stage": "deadbeefdeadbeef", "id": "x", "digest": ""});
    leave(&url, &[Op::Set(records::commit_key().encode(), record.to_string().into_bytes())]);
    assert_eq!(status_json(&url)["interrupted_commit"], "decided");
    let recovered = stdout(&runner(&url, &["recover"]).success());
    assert_eq!(recovered.trim(), "completed an interrupted commit: the data is in its new state");
    assert_eq!(status_json(&url)["interrupted_commit"], Value::Null);
}

#[test]
fn export_and_import_dash_use_standard_output_and_input() {
    let dir = tempfile::tempdir().unwrap();
    let url = initialized(dir.path());
    let exported = runner(&url, &["export", "-"]).success();
    let dump = exported.get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&dump).starts_with(r#"{"df-schema-export":1"#), "{}", String::from_utf8_lossy(&dump));
    assert!(stderr(&exported).contains("keys from redb:") && stderr(&exported).contains("to standard output"), "{}", stderr(&exported));
    assert!(!dir.path().join("-").exists(), "export - wrote a file named -");
    let copy = dir.path().join("copy.redb");
    let imported = Command::cargo_bin("dragonflow-runner").unwrap().env_remove("DF_DB_URL").args(["--db", copy.to_str().unwrap(), "import", "-"]).write_stdin(dump.clone()).assert().success();
    assert!(stdout(&imported).contains("from standard input into redb:"), "{}", stdout(&imported));
    // The same keys and bytes, and the import's run record; the header names the store
    // each came from.
    let again = runner(copy.to_str().unwrap(), &["export", "-"]).success().get_output().stdout.clone();
    let keys = |bytes: &[u8]| df_migrations::transfer::read_export(&mut &bytes[..]).unwrap();
    let (again, dump) = (keys(&again), keys(&dump));
    let added: Vec<&Op> = again.iter().filter(|op| !dump.contains(op)).collect();
    assert!(added.len() == 1 && added[0].key() == records::run_key(2).encode(), "{added:?}");
    assert_eq!(again.len(), dump.len() + 1);
}

#[test]
fn history_keeps_rolled_back_upgrades_with_who_ran_them_in_aligned_columns() {
    let dir = tempfile::tempdir().unwrap();
    let url = initialized(dir.path());
    runner(&url, &["rollback", "--yes"]).success();
    runner(&url, &["init"]).success();
    let history = stdout(&runner(&url, &["history"]).success());
    let (runs, log) = history.split_once("\n\n").unwrap();
    let host = std::process::Command::new("hostname").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
    let runs: Vec<&str> = runs.lines().skip(1).collect();
    assert!(runs[1].starts_with("1    upgrade") && runs[1].contains("rolled back by run 2 at "), "{history}");
    assert!(runs[2].starts_with("2    rollback") && runs[2].ends_with("undid run 1"), "{history}");
    assert!(runs[3].starts_with("3    upgrade") && runs[3].contains("image kept ("), "{history}");
    assert!(host.is_empty() || runs[1].contains(&format!("{host} (")), "the host `{host}` is not named: {history}");
    let log: Vec<&str> = log.lines().skip(1).collect();
    assert!(log.len() > 10, "{history}");
    // Every cell starts where its header does, after the two spaces that end the one before.
    for (lines, headers) in [(&runs, &["ACTION", "STARTED", "SECONDS", "BY", "RELEASES", "STEPS", "NOTE"][..]), (&log, &["RELEASE", "PROPOSED", "APPLIED", "DESCRIPTION"][..])] {
        for line in &lines[1..] {
            for header in headers {
                let at = lines[0].find(header).unwrap();
                let empty = line.len() <= at || line[at..].starts_with("  ");
                assert!(line.get(at - 2..at) == Some("  ") && (empty || !line[at..].starts_with(' ')), "{header} does not line up in `{line}`:\n{history}");
            }
        }
    }
}

#[test]
fn help_teaches_with_examples_and_the_exit_codes() {
    let help = Command::cargo_bin("dragonflow-runner").unwrap().arg("--help").assert().success();
    let help = stdout(&help);
    for part in ["Examples (", "upgrade --dry-run", "lease break", "DF_DB_URL", "130 and 143"] {
        assert!(help.contains(part), "{part} is not in --help:\n{help}");
    }
}
