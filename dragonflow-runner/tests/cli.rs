//! Every command of `dragonflow-runner` (df-runner's commands and `demo`), on the embedded store in a temporary directory and on a
//! private `redis-server`: the Dragonflow history end to end (import a 2.0 database,
//! baseline, plan, dry run, upgrade, compare every object with the expected 5.0 JSON,
//! verify, history, rollback byte for byte), refusals and their exit codes.

use assert_cmd::Command;
use df_migrations::store::{Op, Store};
use df_migrations::transfer::{read_export, write_export};
use df_testkit::redis_server::RedisServer;
use dragonflow_fixtures as fixtures;
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Db {
    url: String,
    dir: tempfile::TempDir,
}

impl Db {
    fn embedded() -> Db {
        let dir = tempfile::tempdir().unwrap();
        Db { url: dir.path().join("nb.redb").display().to_string(), dir }
    }

    fn redis(server: &RedisServer) -> Db {
        Db { url: server.url(), dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn runner(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("dragonflow-runner").unwrap().env_remove("DF_DB_URL").args(["--db", &self.url]).args(args).assert()
    }

    /// Writes `keys` as an export file and imports it.
    fn import(&self, keys: Vec<(String, Vec<u8>)>) {
        let file = self.path("seed.jsonl");
        write_export(&mut std::fs::File::create(&file).unwrap(), "test", keys.into_iter()).unwrap();
        self.runner(&["import", file.to_str().unwrap()]).success();
    }

    /// Every key and value, through `export`.
    fn export(&self) -> Vec<Op> {
        let file = self.path("dump.jsonl");
        self.runner(&["export", file.to_str().unwrap()]).success();
        read_export(&mut std::io::BufReader::new(std::fs::File::open(&file).unwrap())).unwrap()
    }

    /// The export without the audit trail's run records, which a rollback keeps.
    fn export_but_runs(&self) -> Vec<Op> {
        self.export().into_iter().filter(|op| !op.key().starts_with("{df_schema.}run/")).collect()
    }

    fn data_objects(&self) -> serde_json::Map<String, Value> {
        self.export()
            .into_iter()
            .filter_map(|op| match op {
                Op::Set(key, value) if !key.starts_with("{unique_key.") && !key.starts_with("{schema_migration.") && !key.starts_with("{df_schema.") && !key.contains("~df-") => {
                    Some((key, serde_json::from_slice(&value).unwrap()))
                }
                _ => None,
            })
            .collect()
    }
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// The history end to end, on any store.
fn dragonflow_history(db: &Db) {
    db.import(fixtures::release_2_0_store());
    let original = db.export();

    // A database that predates df-schema must be stamped first.
    let refused = db.runner(&["upgrade"]).code(1);
    assert!(stderr(&refused).contains("but no df-schema state: it predates df-schema"), "{}", stderr(&refused));
    db.runner(&["baseline", "--release", "4.0"]).code(1);
    let unknown = db.runner(&["baseline", "--release", "9.9"]).code(1);
    assert!(stderr(&unknown).contains("its releases are 2.0, 3.0, 4.0, 5.0"), "{}", stderr(&unknown));
    let none = db.runner(&["baseline", "--release", "2.0", "--sample", "0"]).code(2);
    assert!(stderr(&none).contains("'--sample <SAMPLE>'"), "{}", stderr(&none));
    db.runner(&["baseline"]).code(2);
    db.runner(&["baseline", "--release", "2.0", "--at-version", "1"]).code(2);
    assert_eq!(db.export(), original, "nothing refused was stamped");
    let stamped = stdout(&db.runner(&["baseline", "--release", "2.0", "--sample", "3"]).success());
    assert!(stamped.contains("objects checked (up to 3 per table, of "), "{stamped}");
    let baselined = db.export();

    let status = stdout(&db.runner(&["status"]).success());
    assert!(status.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["LogicalPort", "v1", "v5", "pending"]), "{status}");
    assert!(status.contains("16 steps pending"), "{status}");
    db.runner(&["plan", "--check"]).code(3);
    let plan: Value = serde_json::from_str(&stdout(&db.runner(&["plan", "--format", "json"]).success())).unwrap();
    assert_eq!(plan["steps"].as_array().unwrap().len(), 16);
    assert_eq!(plan["steps"][0]["id"], "auto/LiveMigration/v1");
    let compatibility = |step: &Value| format!("{} {}", step["compatibility"].as_str().unwrap(), step["first"].as_str().unwrap_or("-"));
    let rollouts: Vec<String> = plan["steps"].as_array().unwrap().iter().map(compatibility).collect();
    assert_eq!(rollouts.iter().filter(|r| *r == "rolling -").count(), 4, "{rollouts:?}");
    assert_eq!(rollouts.iter().filter(|r| *r == "offline data").count(), 4, "{rollouts:?}");
    assert_eq!(rollouts.iter().filter(|r| *r == "offline together").count(), 8, "{rollouts:?}");
    let text = stdout(&db.runner(&["plan"]).success());
    assert!(text.lines().any(|l| l.contains("automatic     rolling ") && l.contains("auto/LogicalPort/v5")), "{text}");

    // A dry run writes nothing but says what would change.
    let dry = stdout(&db.runner(&["upgrade", "--dry-run"]).success());
    assert!(dry.contains("dry run: nothing was written"), "{dry}");
    assert!(dry.contains("lsubnet"), "{dry}");
    assert_eq!(db.export(), baselined);

    let upgraded = stdout(&db.runner(&["upgrade"]).success());
    assert!(upgraded.contains("committed"), "{upgraded}");
    assert_eq!(Value::Object(db.data_objects()), fixtures::release_5_0_objects());
    db.runner(&["plan", "--check"]).success();
    let verify = stdout(&db.runner(&["verify"]).success());
    assert!(verify.starts_with("ok:"), "{verify}");
    let history = stdout(&db.runner(&["history"]).success());
    let (_, log) = history.split_once("\n\n").unwrap();
    assert_eq!(log.lines().count(), 19, "a title, a header, the baseline and 16 steps:\n{history}");
    assert!(log.contains("lport-v3-binding"), "{history}");

    // Rollback restores the database byte for byte (the trail aside, which grows), then
    // has nothing left to undo.
    let baselined: Vec<Op> = baselined.into_iter().filter(|op| !op.key().starts_with("{df_schema.}run/")).collect();
    db.runner(&["rollback", "--yes"]).success();
    assert_eq!(db.export_but_runs(), baselined);
    let nothing = db.runner(&["rollback", "--yes"]).code(1);
    assert!(stderr(&nothing).contains("has no upgrade to roll back"));
    assert_ne!(original, baselined, "the baseline stamp is a write of its own");
}

#[test]
fn the_dragonflow_history_on_the_embedded_store() {
    dragonflow_history(&Db::embedded());
}

#[test]
fn the_dragonflow_history_on_redis() {
    let Some(server) = RedisServer::start() else { return };
    dragonflow_history(&Db::redis(&server));
}

#[test]
fn an_unknown_protocol_fails_naming_the_secgroup_and_rule_and_changes_nothing() {
    let db = Db::embedded();
    let keys = fixtures::release_2_0_store()
        .into_iter()
        .map(|(k, v)| if k == "{secgroup.tenant-a}sg-web" { (k, String::from_utf8(v).unwrap().replace("\"17\"", "\"dns\"").into_bytes()) } else { (k, v) })
        .collect();
    db.import(keys);
    db.runner(&["baseline", "--release", "2.0"]).success();
    let before = db.export();
    let failed = db.runner(&["upgrade"]).code(1);
    let message = stderr(&failed);
    assert!(message.contains("secgroup-v3-protocol-numbers") && message.contains("object `sg-web`: rule rule-dns"), "{message}");
    assert_eq!(db.export(), before);
}

#[test]
fn export_and_import_round_trip_and_refuse_what_they_should() {
    let db = Db::embedded();
    db.import(fixtures::release_2_0_store());
    let dump = db.export();
    // Into a fresh database: byte for byte the same keys, and the import's run record.
    let copy = Db::embedded();
    let file = db.path("dump.jsonl");
    copy.runner(&["import", file.to_str().unwrap()]).success();
    let copied = copy.export();
    assert_eq!(copy.export_but_runs(), db.export_but_runs());
    let added: Vec<&Op> = copied.iter().filter(|op| !dump.contains(op)).collect();
    assert!(added.len() == 1 && added[0].key().starts_with("{df_schema.}run/"), "{added:?}");
    // Not over existing data unless forced.
    let refused = copy.runner(&["import", file.to_str().unwrap()]).code(1);
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    copy.runner(&["import", "--force", file.to_str().unwrap()]).success();
    // A truncated file is refused before anything is written.
    let text = std::fs::read_to_string(&file).unwrap();
    let truncated = db.path("truncated.jsonl");
    std::fs::write(&truncated, &text[..text.len() * 2 / 3]).unwrap();
    let empty = Db::embedded();
    let error = stderr(&empty.runner(&["import", truncated.to_str().unwrap()]).code(1));
    assert!(error.contains("is not a complete export"), "{error}");
    assert!(empty.export().is_empty());
}

#[test]
fn a_second_runner_is_refused_naming_the_holder() {
    let db = Db::embedded();
    db.import(fixtures::release_2_0_store());
    let mut store = df_migrations::store::RedbStore::open(Path::new(&db.url)).unwrap();
    let holder = df_migrations::store::Holder { who: "df-runner pid 4242 on controller-1".into(), since: "2026-11-25T11:59:00Z".into() };
    store.acquire_lease("mine", &holder, std::time::Duration::from_mins(1)).unwrap();
    let refused = db.runner(&["upgrade"]).code(1);
    assert!(stderr(&refused).contains("df-runner pid 4242 on controller-1 since 2026-11-25T11:59:00Z"), "{}", stderr(&refused));
}

#[test]
fn bad_urls_and_unreachable_databases_are_clear_errors() {
    let error = stderr(&Command::cargo_bin("dragonflow-runner").unwrap().args(["--db", "postgres://db/nb", "status"]).assert().code(1));
    assert!(error.contains("unknown scheme `postgres://`"), "{error}");
    let port = df_testkit::redis_server::free_port();
    let error = stderr(&Command::cargo_bin("dragonflow-runner").unwrap().args(["--db", &format!("redis://127.0.0.1:{port}/0"), "status"]).assert().code(1));
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
}

#[test]
fn demo_seeds_upgrades_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.redb");
    let out = stdout(&Command::cargo_bin("dragonflow-runner").unwrap().args(["demo", "--objects", "400", "--file", file.to_str().unwrap()]).assert().success());
    for part in ["== status", "== plan", "== upgrade", "committed", "ok: every object decodes"] {
        assert!(out.contains(part), "{part} missing from:\n{out}");
    }
}

#[test]
fn a_live_host_is_listed_by_status_and_stops_plan_and_upgrade() {
    let db = Db::embedded();
    // Live for as long as the test can run.
    let record = serde_json::json!({"host": "compute-7", "models": {"LogicalPort": 1}, "heartbeat_at": "2026-12-04T00:00:00Z", "expires_at": "2999-01-01T00:00:00Z"});
    let mut keys = fixtures::release_2_0_store();
    keys.push(("{df_schema.}host/compute-7".to_owned(), record.to_string().into_bytes()));
    db.import(keys);
    db.runner(&["baseline", "--release", "2.0"]).success();

    let status = stdout(&db.runner(&["status"]).success());
    assert!(status.lines().any(|l| l.starts_with("compute-7  2026-12-04T00:00:00Z") && l.ends_with("LogicalPort v1")), "{status}");
    let before = db.export();
    for command in [&["plan"][..], &["upgrade"], &["upgrade", "--dry-run"]] {
        let refused = stderr(&db.runner(command).code(1));
        assert!(refused.contains("host `compute-7` runs LogicalPort v1, and step `lport-v2-unique-key` takes it to v2"), "{command:?}: {refused}");
    }
    let json: Value = serde_json::from_str(&stdout(&db.runner(&["--format", "json", "plan"]).code(1))).unwrap();
    assert_eq!((&json["error"]["code"], &json["error"]["ids"]["key"]), (&"live_hosts".into(), &"{df_schema.}host/compute-7".into()), "{json}");
    assert_eq!(db.export(), before, "nothing was written");
}
