//! Scenario 5: a runner paused (SIGSTOP) past its lease while another one upgrades.
//!
//! On Redis the lease is a key with an expiry: a second runner takes it once it expires
//! and upgrades; the paused runner, resumed (SIGCONT), must fail without committing and
//! the database must be exactly the second runner's result. The first runner is paused
//! while it migrates or validates; while it queues its commit's transaction; or, committing
//! staged, while it writes its staging keys (then resumed while the second runner
//! commits). On redb the lease is a file lock held
//! by the process, which a paused process keeps: there the second runner must be refused
//! naming the paused one, which then completes its upgrade.

mod redb;
mod redis;

use super::db::Db;
use super::expected::{Expected, Verdict};
use super::report::{Row, Tally};
use super::rng::SplitMix64;
use df_testkit::runner::{phase_time, signal, Finished};
use super::Plan;
use std::process::Child;
use std::time::Duration;

pub fn run(plan: &Plan) -> Vec<Row> {
    let n = plan.small;
    vec![
        row(plan, format!("runner paused past its lease while migrating, another upgrades (Redis, {n} objects)"), Db::redis, redis::paused_migrating),
        row(plan, format!("runner paused past its lease while queueing its transaction, another upgrades (Redis, {n} objects)"), Db::redis, redis::paused_queueing),
        row(plan, format!("runner paused past its lease while staging, resumed as another commits (Redis, {n} objects)"), Db::redis, redis::paused_staging),
        row(plan, format!("runner paused mid-upgrade, another starts (redb, {n} objects)"), Db::redb, redb::paused_holds_the_lock),
    ]
}

/// What a run needs.
pub struct Pause<'a> {
    db: &'a Db,
    /// How long migrating and validating took in an undisturbed upgrade.
    window: Duration,
    /// The read phase of an undisturbed upgrade.
    read: Duration,
    rng: &'a mut SplitMix64,
}

/// How one run went.
pub enum Run {
    Passed(String),
    Failed(String),
    /// The first runner finished before it could be paused: the run says nothing and is
    /// repeated.
    Missed,
}

type Check = fn(&mut Pause, &mut Expected) -> anyhow::Result<Run>;

/// Runs repeated at most this many times over, so that a machine too fast to pause
/// anything ends the scenario instead of looping.
const ATTEMPTS_PER_RUN: usize = 5;

fn row(plan: &Plan, scenario: String, open: fn() -> anyhow::Result<Db>, check: Check) -> Row {
    let runs = plan.pauses;
    Row::new(scenario).within(|row| {
        let db = open()?;
        let mut expected = Expected::new(db.seed_baselined(plan.small, plan.seed)?);
        let report = db.runner().ok(&["upgrade"])?;
        let mut rng = SplitMix64::new(plan.seed ^ 0x1ea5e);
        let window = phase_time(&report, "migrate") + phase_time(&report, "validate");
        let mut pause = Pause { db: &db, window, read: phase_time(&report, "read"), rng: &mut rng };
        let (mut passed, mut missed) = (Tally::default(), 0);
        for _ in 0..runs * ATTEMPTS_PER_RUN {
            if row.runs == runs {
                break;
            }
            db.load(&expected.old)?;
            match check(&mut pause, &mut expected)? {
                Run::Passed(what) => {
                    row.runs += 1;
                    passed.add(what);
                }
                Run::Failed(failure) => {
                    row.runs += 1;
                    row.fail(row.runs, failure);
                }
                Run::Missed => missed += 1,
            }
        }
        row.outcomes = passed.to_string();
        if missed > 0 {
            row.outcomes.push_str(&format!(" ({missed} more runs finished before their pause and were repeated)"));
        }
        Ok(())
    })
}

/// A runner stopped with SIGSTOP.
pub struct Paused(Child);

impl Paused {
    pub fn stop(child: Child) -> anyhow::Result<Paused> {
        signal(&child, "-STOP")?;
        Ok(Paused(child))
    }

    /// Whether it had already exited when stopped.
    pub fn exited(&mut self) -> anyhow::Result<bool> {
        Ok(self.0.try_wait()?.is_some())
    }

    /// Resumes it (SIGCONT) and waits for its end. A runner that had exited before its
    /// stop is not signalled: [`Paused::exited`] may have reaped it, and its pid be gone.
    pub fn resume(mut self) -> anyhow::Result<Finished> {
        if !self.exited()? {
            signal(&self.0, "-CONT")?;
        }
        Ok(Finished::from(self.0.wait_with_output()?))
    }
}

/// The checks after a Redis run: the second runner committed, the paused one failed
/// without committing, and the database is exactly the second runner's upgrade.
fn second_wins(first: &Finished, second: &Finished, db: &Db, expected: &mut Expected, moment: &str) -> anyhow::Result<Run> {
    if !second.committed() {
        return Ok(Run::Failed(format!("the second runner did not upgrade: {}", second.describe())));
    }
    let mut found = db.dump()?;
    // A runner that stalls while staging may still write staging keys after the other
    // runner's commit: they carry its own commit tag, so no commit renames them into
    // place, and the next run's recovery deletes them. The live data must be exact.
    let before = found.len();
    found.retain(|key, _| !key.contains("~df-stage~") && !key.contains("~df-drop~"));
    let strays = before - found.len();
    let mut verdict = expected.judge(&found)?;
    if verdict == Verdict::New && strays > 0 {
        db.runner().ok(&["recover"])?;
        verdict = expected.judge(&db.dump()?)?;
    }
    if verdict != Verdict::New {
        // Whether the next run's recovery repairs it (stray staging keys) or not (live keys).
        db.runner().ok(&["recover"])?;
        let recovered = expected.judge(&db.dump()?)?;
        return Ok(Run::Failed(format!(
            "the first runner paused {moment}; afterwards the database is not exactly the second runner's upgrade: {verdict}. After a `recover`: {recovered}"
        )));
    }
    // Why it failed. A lost lease is the expected reason; a blocking socket call with a
    // timeout fails with EINTR when its process is stopped and continued (signal(7)),
    // which the store does not retry (the reply may be lost mid-read) but names, with
    // what to do.
    let how = if first.success {
        return Ok(Run::Failed(format!("the first runner paused {moment} still succeeded: {}", first.describe())));
    } else if first.error().contains("lease expired") {
        "failed for its lost lease"
    } else if first.error().contains("stopped and continued") {
        "failed on EINTR after SIGCONT, saying so"
    } else {
        return Ok(Run::Failed(format!("the first runner paused {moment} failed for another reason: {}", first.describe())));
    };
    let strays = if strays > 0 { format!(" (its {strays} late staging keys removed by the next run)") } else { String::new() };
    Ok(Run::Passed(format!("the paused runner {how}, the data exactly the second's upgrade{strays}")))
}
