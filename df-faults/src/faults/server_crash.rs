//! Scenario 3: the Redis server itself killed (SIGKILL) in the middle of a commit and
//! restarted on the same port and directory from its own append-only file; the runner's
//! next run must find exactly the old or exactly the new state, then upgrade to the new.
//!
//! Half the runs commit as one transaction (the default), half staged
//! (`--redis-commit staged`). The kill lands a random time (up to the duration of an
//! undisturbed commit) after the commit begins (the runner queues its transaction, or its
//! first staging key appears), so that it falls while queueing, during or after the
//! `EXEC`; or while staging, after the commit record, or while rolling forward. Runs use
//! `appendfsync always` and `everysec`; a transaction cut off in the file is dropped when
//! the server loads it. A
//! killed process loses only what it had not written to the file yet, and Redis writes a
//! command there before replying, so both keep every acknowledged write here; what
//! `everysec` risks beyond that, the last second before a power loss, a process kill
//! cannot show (that would take losing the machine's page cache).

use super::db::{start_redis, Db, Kind};
use super::expected::{Expected, Verdict};
use super::kills::{lease_ttl, moment, recover_then_upgrade};
use super::report::{Row, Tally};
use super::rng::SplitMix64;
use df_testkit::runner::{Commit, Finished};
use super::Plan;
use df_testkit::redis_server::RedisServer;
use std::time::Instant;

pub fn run(plan: &Plan) -> Vec<Row> {
    let mut rows = Vec::new();
    let staged = plan.server_kills / 2;
    for (commit, runs) in [(Commit::Transaction, plan.server_kills - staged), (Commit::Staged, staged)] {
        // Most with every write synced; a third with the last second's writes at risk.
        let everysec = runs.div_ceil(3);
        for (fsync, runs) in [("always", runs - everysec), ("everysec", everysec)] {
            let scenario = format!(
                "redis-server SIGKILLed mid-commit and restarted ({} commit, appendfsync {fsync}, {} objects)",
                commit.name(),
                plan.small
            );
            rows.push(Row::new(scenario).within(|row| server_crashes(plan, commit, fsync, runs, row)));
        }
    }
    rows
}

fn server_crashes(plan: &Plan, commit_mode: Commit, fsync: &str, runs: usize, row: &mut Row) -> anyhow::Result<()> {
    let mut db = Db::on(start_redis(|| RedisServer::start_persistent(fsync))?)?;
    let mut expected = Expected::new(db.seed_baselined(plan.small, plan.seed)?);
    // An undisturbed upgrade: how long it runs once its commit starts bounds the kill
    // moments; its phases give the lease.
    db.load(&expected.old)?;
    let mut child = db.runner().with_commit(commit_mode).spawn(&["upgrade"])?;
    db.wait_for_commit(&expected.old, &mut child)?;
    let started = Instant::now();
    let undisturbed = Finished::from(child.wait_with_output()?);
    let commit = started.elapsed();
    let report = undisturbed.report()?;
    if !undisturbed.committed() || expected.judge(&db.dump()?)? != Verdict::New {
        row.fail(0, format!("the undisturbed upgrade did not leave the new state: {}", undisturbed.describe()));
    }
    let runner = db.runner().with_commit(commit_mode).with_lease_ttl(lease_ttl(&report));
    let mut rng = SplitMix64::new(plan.seed ^ 0x5e4e);
    let (mut after_recovery, mut moments) = (Tally::default(), Tally::default());
    for run in 1..=runs {
        row.runs = run;
        db.load(&expected.old)?;
        let mut child = runner.spawn(&["upgrade"])?;
        db.wait_for_commit(&expected.old, &mut child)?;
        let delay = super::rng::duration_up_to(&mut rng, commit);
        std::thread::sleep(delay);
        let Kind::Redis(server) = &mut db.kind else { unreachable!("started as Redis") };
        server.kill();
        // The runner fails on its lost connection; only then does the server come back,
        // so that no write of the dead commit reaches the restarted server.
        let finished = Finished::from(child.wait_with_output()?).success;
        server.restart();
        match recover_then_upgrade(&db, &runner, &mut expected)? {
            Ok((recovery, state)) => {
                after_recovery.add(state);
                moments.add(moment(finished, recovery, state));
            }
            Err(failure) => row.fail(run, format!("server killed {delay:.2?} into the commit: {failure}")),
        }
    }
    row.outcomes = format!("{after_recovery} after restart and recover; {moments}; the server killed 0–{commit:.2?} into the commit");
    Ok(())
}
