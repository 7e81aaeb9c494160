//! Real runner processes against a private `redis-server` and a private etcd: two (and on
//! etcd eight) started at once (exactly one upgrades, the others name the lock holder),
//! and a runner killed with SIGKILL in the middle of its commit (after the next run the
//! data is exactly the old or the new state, and the upgrade then completes).

use df_migrations::store::Op;
use df_migrations::transfer::{read_export, write_export};
use df_testkit::redis_server::{queueing, RedisServer};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const OBJECTS: usize = 20_000;

/// The lease of the runners this test kills: short, so that the next run need not wait
/// long for a dead runner's lease, and long enough for a debug build on a busy machine to
/// get from one renewal to the next.
const LEASE_TTL: Duration = Duration::from_secs(5);

fn runner(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("dragonflow-runner"));
    command.env_remove("DF_DB_URL").args(["--db", url, "--lease-ttl", &LEASE_TTL.as_secs().to_string(), "-q"]).args(args);
    command
}

fn ok(output: Output) -> Output {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

/// A generated 2.0 deployment, imported and baselined.
fn seeded(server: &RedisServer, dir: &Path) {
    seed(&server.url(), dir, OBJECTS);
}

/// `objects` of a generated 2.0 deployment, imported into `url` and baselined.
fn seed(url: &str, dir: &Path, objects: usize) {
    let file = dir.join("seed.jsonl");
    let keys = dragonflow_fixtures::generate(objects, 11);
    write_export(&mut std::fs::File::create(&file).unwrap(), "test", keys.into_iter()).unwrap();
    ok(runner(url, &["import", file.to_str().unwrap()]).output().unwrap());
    ok(runner(url, &["baseline", "--release", "2.0"]).output().unwrap());
}

fn export(url: &str, dir: &Path) -> Vec<Op> {
    let file = dir.join("export.jsonl");
    ok(runner(url, &["export", file.to_str().unwrap()]).output().unwrap());
    read_export(&mut std::io::BufReader::new(std::fs::File::open(&file).unwrap())).unwrap()
}

/// The data without the log and df-schema's records, whose timestamps differ per run.
fn data(ops: Vec<Op>) -> Vec<Op> {
    ops.into_iter().filter(|op| !op.key().starts_with("{schema_migration.") && !op.key().starts_with("{df_schema.")).collect()
}

#[test]
fn two_runners_at_once_exactly_one_upgrades() {
    let Some(server) = RedisServer::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    seeded(&server, dir.path());
    runners_at_once(&server.url(), 2);
}

#[test]
fn two_then_eight_runners_at_once_on_etcd_exactly_one_upgrades() {
    let Some(server) = df_testkit::etcd_server::EtcdServer::start(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    seed(&server.url(""), dir.path(), 5000);
    ok(runner(&server.url(""), &["upgrade", "--to", "3.0"]).output().unwrap());
    runners_at_once(&server.url(""), 2);
    ok(runner(&server.url(""), &["rollback", "--yes"]).output().unwrap());
    runners_at_once(&server.url(""), 8);
}

/// Starts `count` runners upgrading `url` at once: exactly one upgrades, every other
/// names the holder of the lock, and the data then verifies.
fn runners_at_once(url: &str, count: usize) {
    let children: Vec<_> = (0..count).map(|_| runner(url, &["upgrade"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()).collect();
    let outputs: Vec<Output> = children.into_iter().map(|child| child.wait_with_output().unwrap()).collect();
    let succeeded = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(succeeded, 1, "{outputs:?}");
    for loser in outputs.iter().filter(|o| !o.status.success()) {
        let message = String::from_utf8_lossy(&loser.stderr);
        assert!(message.contains("another runner holds the upgrade lock") && message.contains(" pid "), "{message}");
    }
    ok(runner(url, &["verify"]).output().unwrap());
}

#[test]
fn a_runner_killed_during_its_commit_leaves_the_old_or_the_new_state() {
    let Some(server) = RedisServer::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    // The new state, from an upgrade nobody interrupts.
    seeded(&server, dir.path());
    ok(runner(&server.url(), &["upgrade"]).output().unwrap());
    let new = data(export(&server.url(), dir.path()));

    // Kill at four moments: while queueing the commit's transaction (the default); and,
    // committing staged, while staging, just after the commit record, while rolling
    // forward (each rename of a staging key over its live key takes a key away).
    let mut outcomes = Vec::new();
    for moment in ["queueing", "staging", "decided", "late"] {
        server.command::<()>(&redis::cmd("FLUSHDB"));
        seeded(&server, dir.path());
        // Byte for byte, the baseline stamp's time included.
        let old = export(&server.url(), dir.path());
        let before: usize = server.command(&redis::cmd("DBSIZE"));
        let commit = if moment == "queueing" { "transaction" } else { "staged" };
        let mut upgrade = runner(&server.url(), &["--redis-commit", commit, "upgrade"]);
        let mut child = upgrade.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let started = Instant::now();
        let mut at_decision = None;
        loop {
            assert!(started.elapsed() < Duration::from_mins(2), "the upgrade never reached its commit");
            let size: usize = server.command(&redis::cmd("DBSIZE"));
            let decided: bool = server.command(redis::cmd("EXISTS").arg("{df_schema.}commit"));
            let fire = match moment {
                "queueing" => queueing(&mut server.connection()).unwrap(),
                "staging" => size > before + 1000,
                "decided" => decided,
                _ => decided && size + OBJECTS / 4 < *at_decision.get_or_insert(size),
            };
            if fire || child.try_wait().unwrap().is_some() {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        std::thread::sleep(LEASE_TTL + Duration::from_millis(100)); // the dead runner's lease expires
        ok(runner(&server.url(), &["recover"]).output().unwrap());
        let after = export(&server.url(), dir.path());
        let outcome = if after == old {
            "old"
        } else {
            assert!(data(after) == new, "killed while {moment}: neither the old nor the new state");
            "new"
        };
        outcomes.push((moment, outcome));
        ok(runner(&server.url(), &["upgrade"]).output().unwrap());
        assert!(data(export(&server.url(), dir.path())) == new, "killed while {moment}: the next upgrade did not complete");
    }
    eprintln!("outcomes: {outcomes:?}");
    assert_eq!(&outcomes[..2], [("queueing", "old"), ("staging", "old")], "{outcomes:?}");
    assert_eq!(outcomes[2].1, "new", "{outcomes:?}");
}

/// On etcd, a runner killed with SIGKILL as its commit begins to write in place (its
/// intent names its image), while it writes, just after its decision (the intent gone),
/// and at moments spread over its upgrade: once its etcd lease ends (its keep-alive died
/// with it), `recover` leaves exactly the old or the new state, and the next upgrade
/// completes.
#[test]
fn a_runner_killed_at_any_moment_on_etcd_leaves_the_old_or_the_new_state() {
    const SMALL: usize = 2000;
    let Some(server) = df_testkit::etcd_server::EtcdServer::start(&[]) else { return };
    let url = server.url("max-txn-ops=128");
    let dir = tempfile::tempdir().unwrap();
    seed(&url, dir.path(), SMALL);
    let started = Instant::now();
    ok(runner(&url, &["upgrade"]).output().unwrap());
    let took = started.elapsed();
    let new = data(export(&url, dir.path()));
    let moments = ["writing", "writing a while", "decided", "at 1/4", "at 1/2", "at 3/4"];
    let mut outcomes = Vec::new();
    for moment in moments {
        server.clear();
        seed(&url, dir.path(), SMALL);
        let old = export(&url, dir.path());
        let mut child = runner(&url, &["upgrade"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let started = Instant::now();
        let mut writing_since = None;
        loop {
            assert!(started.elapsed() < Duration::from_mins(2), "the upgrade never reached its commit");
            let intent = server.value("/df_schema/intent");
            if intent.as_ref().is_some_and(|intent| String::from_utf8_lossy(intent).contains("\"undo\"")) {
                writing_since.get_or_insert_with(Instant::now);
            }
            let fire = match moment {
                "writing" => writing_since.is_some(),
                "writing a while" => writing_since.is_some_and(|since| since.elapsed() > Duration::from_millis(30)),
                "decided" => writing_since.is_some() && intent.is_none(),
                "at 1/4" => started.elapsed() > took / 4,
                "at 1/2" => started.elapsed() > took / 2,
                _ => started.elapsed() > took * 3 / 4,
            };
            if fire || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        std::thread::sleep(LEASE_TTL + Duration::from_secs(1)); // the dead runner's etcd lease ends
        ok(runner(&url, &["recover"]).output().unwrap());
        let after = export(&url, dir.path());
        let outcome = if after == old {
            "old"
        } else {
            assert!(data(after) == new, "killed {moment}: neither the old nor the new state");
            "new"
        };
        outcomes.push((moment, outcome));
        ok(runner(&url, &["upgrade"]).output().unwrap());
        assert!(data(export(&url, dir.path())) == new, "killed {moment}: the next upgrade did not complete");
    }
    eprintln!("outcomes: {outcomes:?}");
    assert_eq!(outcomes[0], ("writing", "old"), "{outcomes:?}");
    assert_eq!(outcomes[2], ("decided", "new"), "{outcomes:?}");
}
