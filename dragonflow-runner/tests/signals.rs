//! Real SIGINT and SIGTERM sent to a runner mid-upgrade, on redb and on a private
//! `redis-server`, at several moments: it exits 130 or 143, and the database is either as
//! it was (stopped before the commit: no image, no intent, the lease free) or fully
//! upgraded (the signal came after the last safe point), never anything else. And a stale
//! lease is shown and broken, fencing its holder out.

use df_migrations::store::{Fenced, Holder, Op, RedisOptions};
use df_migrations::transfer::{read_export, write_export};
use df_testkit::redis_server::RedisServer;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const OBJECTS: usize = 20_000;

fn runner(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("dragonflow-runner"));
    command.env_remove("DF_DB_URL").args(["--db", url, "-q"]).args(args);
    command
}

fn ok(output: Output) -> Output {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn seed(url: &str, dir: &Path) {
    let file = dir.join("seed.jsonl");
    write_export(&mut std::fs::File::create(&file).unwrap(), "test", dragonflow_fixtures::generate(OBJECTS, 5).into_iter()).unwrap();
    ok(runner(url, &["import", file.to_str().unwrap()]).output().unwrap());
    ok(runner(url, &["baseline", "--release", "2.0"]).output().unwrap());
}

fn export(url: &str, dir: &Path) -> Vec<Op> {
    let file = dir.join("export.jsonl");
    ok(runner(url, &["export", file.to_str().unwrap()]).output().unwrap());
    read_export(&mut std::io::BufReader::new(std::fs::File::open(&file).unwrap())).unwrap()
}

/// The data without the log and df-schema's records, whose timestamps differ per run.
fn data(ops: &[Op]) -> Vec<&Op> {
    ops.iter().filter(|op| !op.key().starts_with("{schema_migration.") && !op.key().starts_with("{df_schema.")).collect()
}

/// Signals an upgrade of the database at `url` `delay` after `leased` says it took the
/// lease, and checks what it left; `reset` brings back the seeded database.
fn signal_upgrades(url: &str, dir: &Path, reset: &dyn Fn(), leased: &dyn Fn() -> bool) {
    reset();
    ok(runner(url, &["upgrade"]).output().unwrap());
    let new = export(url, dir);
    let mut outcomes = Vec::new();
    for (signal, code, delay) in [("INT", 130, 0), ("TERM", 143, 0), ("INT", 130, 300), ("TERM", 143, 900)] {
        reset();
        let old = export(url, dir);
        let child = runner(url, &["upgrade"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let started = Instant::now();
        while !leased() && started.elapsed() < Duration::from_mins(1) {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(delay));
        let sent = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill -{signal} failed");
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(code), "SIG{signal} after {delay} ms: {stderr}");
        let after = export(url, dir);
        let outcome = if stderr.contains("stopped on request before the commit: nothing was written") {
            assert!(after == old, "SIG{signal} after {delay} ms: stopped, yet the database changed");
            "stopped"
        } else {
            assert!(stderr.contains(&format!("SIG{signal}: the command was past its last safe point")), "{stderr}");
            assert!(data(&after) == data(&new), "SIG{signal} after {delay} ms: neither the old nor the new state: {stderr}");
            "completed"
        };
        assert!(!after.iter().any(|op| op.key().contains("~df-stage~") || op.key() == "{df_schema.}intent"), "SIG{signal}: leftovers");
        outcomes.push((signal, delay, outcome));
        // The lease was released: the next run need not wait for it to expire.
        let next = ok(runner(url, &["--lease-ttl", "3600", "upgrade"]).output().unwrap());
        assert!(next.status.success());
        assert!(data(&export(url, dir)) == data(&new));
    }
    eprintln!("outcomes: {outcomes:?}");
    assert_eq!(outcomes[0].2, "stopped", "a signal as the lease is taken stops the upgrade: {outcomes:?}");
}

#[test]
fn signals_stop_an_upgrade_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.redb");
    let url = path.to_str().unwrap().to_owned();
    let lock = dir.path().join("nb.redb.lock");
    let reset = || {
        let _ = std::fs::remove_file(&path);
        seed(&url, dir.path());
    };
    // The lock file holds its holder while the lease is taken.
    let leased = || std::fs::metadata(&lock).is_ok_and(|m| m.len() > 0);
    signal_upgrades(&url, dir.path(), &reset, &leased);
}

#[test]
fn signals_stop_an_upgrade_on_redis() {
    let Some(server) = RedisServer::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let reset = || {
        server.command::<()>(&redis::cmd("FLUSHDB"));
        seed(&server.url(), dir.path());
    };
    let leased = || server.command::<bool>(redis::cmd("EXISTS").arg("{df_schema.}lease"));
    signal_upgrades(&server.url(), dir.path(), &reset, &leased);
}

#[test]
fn a_stale_lease_is_shown_and_broken_and_its_holder_fenced_out() {
    let Some(server) = RedisServer::start() else { return };
    let url = server.url();
    ok(runner(&url, &["init"]).output().unwrap());
    let mut stale = df_migrations::store::open(&url, &RedisOptions::default()).unwrap();
    let holder = Holder { who: "dragonflow-runner pid 4242 on gone-host".into(), since: "2026-12-01T00:00:00Z".into() };
    let century = Duration::from_hours(100 * 365 * 24);
    assert_eq!(stale.acquire_lease("stale-token", &holder, century).unwrap(), None);

    let refused = runner(&url, &["upgrade"]).output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pid 4242 on gone-host"));
    let shown = String::from_utf8_lossy(&ok(runner(&url, &["lease"]).output().unwrap()).stdout).into_owned();
    assert!(shown.contains("held by dragonflow-runner pid 4242 on gone-host since 2026-12-01T00:00:00Z"), "{shown}");
    let json: serde_json::Value = serde_json::from_slice(&ok(runner(&url, &["--format", "json", "lease"]).output().unwrap()).stdout).unwrap();
    assert_eq!(json["held"], true);
    assert!(json["expires_in_seconds"].as_f64().unwrap() > 1e9, "{json}");

    // Without a terminal to ask on, only --yes breaks it.
    let asked = runner(&url, &["lease", "break"]).stdin(Stdio::null()).output().unwrap();
    assert!(!asked.status.success(), "broken without confirmation");
    ok(runner(&url, &["lease", "break", "--yes"]).output().unwrap());
    ok(runner(&url, &["upgrade"]).output().unwrap());
    // The old holder, were it still running, cannot commit.
    let fenced = stale.write_if_leased("stale-token", &[Op::Set("{df_schema.}x".into(), b"1".to_vec()), Op::Delete("{df_schema.}y".into())]).unwrap();
    assert_eq!(fenced, Fenced::LeaseLost);
}
