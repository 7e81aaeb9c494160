//! Scenario 2: runners killed with SIGKILL at random moments of a large Redis upgrade.
//!
//! A generated 2.0 deployment is imported and baselined once; each run puts exactly that
//! state back, starts `runner upgrade`, kills it after a delay drawn uniformly from zero
//! to the duration of an upgrade nobody kills, waits for its lease to expire, and runs
//! `runner recover`: the database must then be exactly the old or exactly the new state.
//! Runs alternate between the two ways a Redis server commits (one transaction; staged).
//! A further `runner upgrade` must leave exactly the new state. No check involves timing:
//! the delay only chooses where the kill lands.

use super::db::Db;
use super::expected::{Expected, Verdict};
use super::report::{Row, Tally};
use super::rng::SplitMix64;
use df_testkit::runner::{phase_time, Commit, Runner};
use super::Plan;
use std::time::{Duration, Instant};

/// How long past its TTL a dead runner's lease may take to disappear before that is a
/// failure (Redis expires keys lazily and in a background cycle).
pub const EXPIRY_SLACK: Duration = Duration::from_secs(10);

pub fn run(plan: &Plan) -> Vec<Row> {
    vec![Row::new(format!("SIGKILL at a random moment of a {}-object Redis upgrade", plan.objects)).within(|row| kills(plan, row))]
}

fn kills(plan: &Plan, row: &mut Row) -> anyhow::Result<()> {
    let db = Db::redis()?;
    let mut expected = Expected::new(db.seed_baselined(plan.objects, plan.seed)?);
    // An upgrade nobody kills, each way: its duration bounds the kill moments, its phases
    // the lease.
    let mut unkilled = Vec::new();
    for commit in Commit::BOTH {
        db.load(&expected.old)?;
        let started = Instant::now();
        let report = db.runner().with_commit(commit).ok(&["upgrade"])?;
        let took = started.elapsed();
        if let verdict @ (Verdict::Old | Verdict::Mix(_)) = expected.judge(&db.dump()?)? {
            row.fail(0, format!("the {} upgrade nobody killed left {verdict}", commit.name()));
        }
        let runner = db.runner().with_commit(commit).with_lease_ttl(lease_ttl(&report));
        unkilled.push((runner, took, phase_time(&report, "commit")));
    }
    let mut rng = SplitMix64::new(plan.seed);
    let (mut after_recovery, mut moments) = (Tally::default(), Tally::default());
    for run in 1..=plan.kills {
        row.runs = run;
        db.load(&expected.old)?;
        let (runner, unkilled, _) = &unkilled[run % unkilled.len()];
        let delay = super::rng::duration_up_to(&mut rng, *unkilled);
        let mut child = runner.spawn(&["upgrade"])?;
        std::thread::sleep(delay);
        let finished = child.try_wait()?.is_some();
        if !finished {
            child.kill()?; // SIGKILL
        }
        child.wait()?;
        let commit = runner.commit.name();
        match recover_then_upgrade(&db, runner, &mut expected)? {
            Ok((recovery, state)) => {
                after_recovery.add(state);
                moments.add(format!("{} ({commit})", moment(finished, recovery, state)));
            }
            Err(failure) => row.fail(run, format!("{commit} commit, killed after {delay:.2?}: {failure}")),
        }
    }
    let spans: Vec<String> = unkilled
        .iter()
        .map(|(runner, took, commit)| format!("{}: 0–{took:.1?} (its commit {commit:.1?})", runner.commit.name()))
        .collect();
    row.outcomes = format!("{after_recovery} after recover; {moments}; killed after, of an unkilled upgrade, {}", spans.join(", "));
    Ok(())
}

/// Where a kill landed, from what the next run found: whether the runner had finished,
/// what `recover` did, and the state it left.
pub fn moment(finished: bool, recovery: Recovery, state: &str) -> &'static str {
    match (finished, recovery, state) {
        (true, _, _) => "finished before the kill",
        (false, Recovery::RolledForward, _) => "killed mid-commit, rolled forward",
        (false, Recovery::Discarded, _) => "killed mid-commit, discarded",
        (false, Recovery::Restored, _) => "killed mid-commit, restored from its image",
        (false, Recovery::Nothing, "old") => "killed before its commit",
        (false, Recovery::Nothing, _) => "killed after its commit",
    }
}

/// What `runner recover` reported doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    Nothing,
    RolledForward,
    Discarded,
    Restored,
}

/// The lease a runner needs so as not to lose it while alive: three times the longest
/// stretch without a renewal in an undisturbed upgrade (reading everything; validating
/// and committing), at least a second. Short, because after each kill the campaign
/// waits for it to expire.
pub fn lease_ttl(report: &serde_json::Value) -> Duration {
    let longest = phase_time(report, "read").max(phase_time(report, "migrate")).max(phase_time(report, "validate") + phase_time(report, "commit"));
    (longest * 3).max(Duration::from_secs(1))
}

/// After a runner died: waits out its lease, runs `recover` and judges the database (old
/// or new), then `upgrade` and judges it again (new). Returns what `recover` did and the
/// state it left, or the failed check (an infrastructure error is the outer one).
pub fn recover_then_upgrade(db: &Db, runner: &Runner, expected: &mut Expected) -> anyhow::Result<Result<(Recovery, &'static str), String>> {
    if !db.wait_for_lease_expiry(runner.lease_ttl + EXPIRY_SLACK)? {
        return Ok(Err(format!("the dead runner's lease was still there {:?} later", runner.lease_ttl + EXPIRY_SLACK)));
    }
    let recovery = match runner.ok(&["recover"])?["recovered"].as_str() {
        None => Recovery::Nothing,
        Some("rolled_forward") => Recovery::RolledForward,
        Some("discarded") => Recovery::Discarded,
        Some("restored") => Recovery::Restored,
        Some(other) => return Ok(Err(format!("recover reported {other:?}"))),
    };
    let state = match expected.judge(&db.dump()?)? {
        Verdict::Old => "old",
        Verdict::New => "new",
        Verdict::Mix(mix) => return Ok(Err(format!("after recover ({recovery:?}): {mix}"))),
    };
    runner.ok(&["upgrade"])?;
    match expected.judge(&db.dump()?)? {
        Verdict::New => Ok(Ok((recovery, state))),
        verdict => Ok(Err(format!("after recover ({recovery:?}, {state}) and upgrade: not the new state but {verdict}"))),
    }
}
