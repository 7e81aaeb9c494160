//! The conventions of a Rust CLI: logs on standard error chosen by `RUST_LOG` or `-v`,
//! plain and timestamped off a terminal; shell completions that know the runner's own
//! commands.

use assert_cmd::Command;

fn runner(db: &str, args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("dragonflow-runner").unwrap();
    command.env_remove("DF_DB_URL").env_remove("RUST_LOG").args(["--db", db]).args(args);
    command
}

/// Whether `line` starts as tracing's plain lines do: an RFC 3339 UTC timestamp.
fn timestamped(line: &str) -> bool {
    let stamp = line.split_whitespace().next().unwrap_or_default();
    stamp.len() > 20 && stamp.starts_with("20") && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T'
}

#[test]
fn logs_follow_v_and_rust_log_and_are_timestamped_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.redb");
    let db = db.to_str().unwrap();
    let quiet = runner(db, &["init"]).output().unwrap();
    assert!(quiet.status.success());
    assert!(String::from_utf8_lossy(&quiet.stderr).trim().is_empty(), "without -v nothing is logged: {}", String::from_utf8_lossy(&quiet.stderr));

    runner(db, &["rollback", "--yes"]).assert().success();
    let verbose = runner(db, &["-v", "--format", "json", "init"]).output().unwrap();
    let logs = String::from_utf8_lossy(&verbose.stderr);
    let lines: Vec<&str> = logs.lines().collect();
    assert!(lines.iter().any(|l| l.contains("INFO") && l.contains("read and planned")), "{logs}");
    assert!(lines.iter().any(|l| l.contains("wrote the pre-upgrade image")), "{logs}");
    assert!(lines.iter().all(|l| timestamped(l)), "every line is plain and timestamped: {logs}");
    assert!(!logs.contains('\u{1b}'), "no colors off a terminal: {logs}");
    let _: serde_json::Value = serde_json::from_slice(&verbose.stdout).expect("logs stay off standard output");

    let debug = runner(db, &["status"]).env("RUST_LOG", "df_runner=debug").output().unwrap();
    let logs = String::from_utf8_lossy(&debug.stderr);
    assert!(logs.lines().any(|l| l.contains("DEBUG") && l.contains(&format!("opened database=redb:{db}"))), "{logs}");
    let filtered = runner(db, &["-vv", "status"]).env("RUST_LOG", "off").output().unwrap();
    assert!(filtered.stderr.is_empty(), "RUST_LOG wins over -v: {}", String::from_utf8_lossy(&filtered.stderr));
}

#[test]
fn completions_know_the_runners_own_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let output = runner("memory:", &["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}: {}", String::from_utf8_lossy(&output.stderr));
        let script = String::from_utf8_lossy(&output.stdout);
        for word in ["dragonflow-runner", "demo", "rollback", "keep-images"] {
            assert!(script.contains(word), "{shell}'s script lacks `{word}`");
        }
    }
    runner("memory:", &["completions", "tcsh"]).assert().code(2);
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.redb");
    let db = db.to_str().unwrap();
    runner(db, &["init"]).assert().success();
    for args in [&["completions", "zsh"][..], &["history"], &["export", "-"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dragonflow-runner"))
            .env_remove("DF_DB_URL")
            .args(["--db", db])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Hang up before it writes, as a reader that went away (`| head`) does.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && !stderr.contains("panicked") && !stderr.contains("error"), "{args:?}: {:?}: {stderr}", output.status);
    }
}
