//! Runners as separate processes, as an operator starts them: the hidden `runner` command
//! of the program using this module (`df-bench`, `df-faults`), which is df-runner with
//! Dragonflow's models. A kill, a pause or a race is only real between processes, and
//! `status` is timed as an operator sees it, process start included.

use anyhow::Context;
use serde_json::Value;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// How to start runners against one database.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The database, as `--db` takes it.
    pub url: String,
    /// The runner's `--lease-ttl`, rounded up to whole seconds, at least 1.
    pub lease_ttl: Duration,
    /// How a single Redis server commits (`--redis-commit`).
    pub commit: Commit,
}

/// The runner's `--redis-commit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// One `MULTI`/`EXEC` fenced by the lease.
    Transaction,
    /// New values staged beside the live ones, renamed into place after a commit record.
    Staged,
}

impl Commit {
    /// Both ways, in the order reports list them.
    pub const BOTH: [Commit; 2] = [Commit::Transaction, Commit::Staged];

    /// The option's value, which also names it in reports.
    pub fn name(self) -> &'static str {
        match self {
            Commit::Transaction => "transaction",
            Commit::Staged => "staged",
        }
    }
}

impl Runner {
    /// Runners against `url`, with a 60-second lease and fenced transactions.
    pub fn new(url: impl Into<String>) -> Runner {
        Runner { url: url.into(), lease_ttl: Duration::from_mins(1), commit: Commit::Transaction }
    }

    /// The same runners with `--lease-ttl` `ttl` (see [`Runner::lease_ttl`]).
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Runner {
        self.lease_ttl = ttl;
        self
    }

    /// The same runners with `--redis-commit` `commit`.
    pub fn with_commit(mut self, commit: Commit) -> Runner {
        self.commit = commit;
        self
    }

    /// The command for `args` (e.g. `["upgrade"]`), reporting as JSON on stdout and
    /// errors on stderr.
    pub fn command(&self, args: &[&str]) -> anyhow::Result<Command> {
        let exe = std::env::current_exe().context("cannot find this program to start runners")?;
        let mut command = Command::new(exe);
        command
            .arg("runner")
            .args(["--db", &self.url, "--format", "json", "--lease-ttl", &whole_seconds(self.lease_ttl).to_string()])
            .args(["--redis-commit", self.commit.name()])
            .args(args)
            // The database is the one given, never one from the environment.
            .env_remove("DF_DB_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Ok(command)
    }

    /// Starts [`Runner::command`] for `args` and returns at once; its stdout and stderr
    /// are piped, so a caller that waits for it must read them.
    pub fn spawn(&self, args: &[&str]) -> anyhow::Result<Child> {
        self.command(args)?.spawn().context("cannot start a runner")
    }

    /// Runs to the end and returns what it printed.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<Finished> {
        Ok(Finished::from(self.command(args)?.output().context("cannot run a runner")?))
    }

    /// Runs to the end and fails unless it succeeded.
    pub fn ok(&self, args: &[&str]) -> anyhow::Result<Value> {
        let finished = self.run(args)?;
        anyhow::ensure!(finished.success, "`runner {}` failed: {}", args.join(" "), finished.error().trim());
        finished.report()
    }
}

/// `--lease-ttl` takes whole seconds: rounded up, at least 1.
fn whole_seconds(ttl: Duration) -> u64 {
    (ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)).max(1)
}

/// A runner that exited.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Whether it exited with status 0.
    pub success: bool,
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// What it printed on stdout (its JSON report), invalid UTF-8 replaced.
    pub stdout: String,
    /// What it printed on stderr (its errors), invalid UTF-8 replaced.
    pub stderr: String,
}

impl From<Output> for Finished {
    fn from(output: Output) -> Finished {
        Finished {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Finished {
    /// The JSON report it printed.
    pub fn report(&self) -> anyhow::Result<Value> {
        serde_json::from_str(&self.stdout).with_context(|| format!("a runner's report is not JSON: {:?}", self.stdout))
    }

    /// Its error: the message of the JSON error document it printed (`--format json`
    /// prints errors there), or else what it printed on stderr.
    pub fn error(&self) -> String {
        match self.report() {
            Ok(document) if document["error"]["message"].is_string() => document["error"]["message"].as_str().unwrap_or_default().to_owned(),
            _ => self.stderr.clone(),
        }
    }

    /// Whether its report says it committed an upgrade.
    pub fn committed(&self) -> bool {
        self.success && self.report().is_ok_and(|r| r["committed"] == Value::Bool(true))
    }

    /// Whether it succeeded finding nothing to do.
    pub fn nothing_to_do(&self) -> bool {
        self.success && self.report().is_ok_and(|r| r["steps"].as_array().is_some_and(Vec::is_empty) && r["committed"] == Value::Bool(false))
    }

    /// One line for a failure message.
    pub fn describe(&self) -> String {
        let code = self.code.map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
        format!("{code}; error: {}", self.error().trim())
    }
}

/// The time an upgrade report (`upgrade --format json`) gives one of its phases.
pub fn phase_time(report: &Value, phase: &str) -> Duration {
    Duration::from_secs_f64(report["seconds"][phase].as_f64().unwrap_or(0.0).max(0.0))
}

/// Sends `signal` (`-STOP`, `-CONT`) to a process.
pub fn signal(child: &Child, signal: &str) -> anyhow::Result<()> {
    let status = Command::new("kill").arg(signal).arg(child.id().to_string()).status().context("cannot run `kill`")?;
    anyhow::ensure!(status.success(), "kill {signal} {} failed", child.id());
    Ok(())
}

/// The hidden `runner` command of a program that starts runners with [`Runner`]: its
/// arguments are df-runner's, run in the program's own process, which links Dragonflow's
/// models.
#[derive(Debug, clap::Args)]
pub struct RunnerCommand {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<std::ffi::OsString>,
}

impl RunnerCommand {
    /// Runs df-runner with these arguments.
    pub fn run(self) -> std::process::ExitCode {
        df_runner::main_from(std::iter::once("df-runner".into()).chain(self.args))
    }
}

/// The exit code of a benchmark's or campaign's result, printing the error (if any).
pub fn exit_code(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
