//! The paused runner on Redis, where its lease expires during the pause.

use super::{second_wins, Pause, Paused, Run};
use crate::faults::db::Kind;
use df_testkit::redis_server::queueing;
use crate::faults::expected::Expected;
use crate::faults::kills::EXPIRY_SLACK;
use df_testkit::runner::{Commit, Finished, Runner};
use df_migrations::records::{commit_key, lease_key};
use std::process::Child;
use std::time::{Duration, Instant};

/// A runner whose lease outlasts its read phase but expires during a pause.
fn short_lease(pause: &Pause) -> Runner {
    pause.db.runner().with_lease_ttl((pause.read * 3).max(Duration::from_secs(1)))
}

fn connection(pause: &Pause) -> anyhow::Result<redis::Connection> {
    let Kind::Redis(server) = &pause.db.kind else { anyhow::bail!("a Redis scenario on {}", pause.db.name()) };
    Ok(server.connection_or_error()?)
}

/// Pauses the first runner at a random moment after its first renewal (it has read
/// everything and migrates or validates), lets its lease expire, upgrades with a second
/// runner, then resumes the first.
pub fn paused_migrating(pause: &mut Pause, expected: &mut Expected) -> anyhow::Result<Run> {
    let first = short_lease(pause);
    let mut connection = connection(pause)?;
    let mut child = first.spawn(&["upgrade"])?;
    if !wait_for_renewal(&mut connection, &mut child)? {
        return Ok(Run::Failed(format!("the first runner ended before renewing its lease: {}", Finished::from(child.wait_with_output()?).describe())));
    }
    let delay = crate::faults::rng::duration_up_to(pause.rng, pause.window.mul_f64(0.8));
    std::thread::sleep(delay);
    let mut paused = Paused::stop(child)?;
    // Stopped too late: it already exited, or released its lease after its commit.
    let holds: bool = redis::cmd("EXISTS").arg(lease_key()).query(&mut connection)?;
    let too_late = !holds || paused.exited()?;
    second_upgrades(pause, expected, paused, too_late, first.lease_ttl, &format!("{delay:.2?} after its first renewal"))
}

/// Pauses the first runner while it queues its commit's transaction, lets its lease
/// expire, upgrades with a second runner, then resumes the first: its transaction, watched
/// on the lease, must not run.
pub fn paused_queueing(pause: &mut Pause, expected: &mut Expected) -> anyhow::Result<Run> {
    let first = short_lease(pause);
    let mut connection = connection(pause)?;
    let mut child = first.spawn(&["upgrade"])?;
    // Not `Db::wait_for_commit`: the queueing of the campaign's small databases can fall
    // between two of its polls, so this polls one query five times as often.
    let deadline = Instant::now() + Duration::from_mins(5);
    while !queueing(&mut connection)? {
        if child.try_wait()?.is_some() {
            return Ok(Run::Missed);
        }
        anyhow::ensure!(Instant::now() < deadline, "the first runner never queued its commit");
        std::thread::sleep(Duration::from_micros(200));
    }
    let mut paused = Paused::stop(child)?;
    // Stopped too late: its transaction already ran (or it exited).
    let too_late = paused.exited()? || !queueing(&mut connection)?;
    second_upgrades(pause, expected, paused, too_late, first.lease_ttl, "while queueing its transaction")
}

/// With the first runner stopped (unless `too_late`, past the moment meant): waits out
/// its lease, upgrades with a second runner, resumes the first, and judges.
fn second_upgrades(pause: &mut Pause, expected: &mut Expected, paused: Paused, too_late: bool, lease: Duration, moment: &str) -> anyhow::Result<Run> {
    if too_late {
        paused.resume()?;
        return Ok(Run::Missed);
    }
    if !pause.db.wait_for_lease_expiry(lease + EXPIRY_SLACK)? {
        paused.resume()?;
        return Ok(Run::Failed("the paused runner's lease did not expire".into()));
    }
    let second = pause.db.runner().run(&["upgrade"])?;
    let first = paused.resume()?;
    second_wins(&first, &second, pause.db, expected, moment)
}

/// Pauses the first runner (committing staged) as soon as its commit writes staging keys,
/// lets its lease expire, starts a second runner (staged too), and resumes the first the
/// moment the second's commit is decided (its commit record written), while the second
/// rolls forward.
pub fn paused_staging(pause: &mut Pause, expected: &mut Expected) -> anyhow::Result<Run> {
    let first = short_lease(pause).with_commit(Commit::Staged);
    let mut connection = connection(pause)?;
    let mut child = first.spawn(&["upgrade"])?;
    pause.db.wait_for_commit(&expected.old, &mut child)?;
    let mut paused = Paused::stop(child)?;
    if paused.exited()? {
        paused.resume()?;
        return Ok(Run::Missed);
    }
    if !pause.db.wait_for_lease_expiry(first.lease_ttl + EXPIRY_SLACK)? {
        paused.resume()?;
        return Ok(Run::Failed("the paused runner's lease did not expire".into()));
    }
    let mut second = pause.db.runner().with_commit(Commit::Staged).spawn(&["upgrade"])?;
    let commit = commit_key().encode();
    let deadline = Instant::now() + Duration::from_mins(5);
    while !redis::cmd("EXISTS").arg(&commit).query::<bool>(&mut connection)? && second.try_wait()?.is_none() {
        anyhow::ensure!(Instant::now() < deadline, "the second runner never reached its commit");
        std::thread::sleep(Duration::from_millis(1));
    }
    let first = paused.resume()?;
    let second = Finished::from(second.wait_with_output()?);
    second_wins(&first, &second, pause.db, expected, "while staging its commit and resumed as the second runner's commit was decided")
}

/// Whether the lease's remaining time went up (a renewal) before the runner exited.
fn wait_for_renewal(connection: &mut redis::Connection, child: &mut Child) -> anyhow::Result<bool> {
    let mut last: Option<i64> = None;
    let deadline = Instant::now() + Duration::from_mins(5);
    while Instant::now() < deadline && child.try_wait()?.is_none() {
        // Milliseconds left, or a negative value when the lease key is absent.
        let left: i64 = redis::cmd("PTTL").arg(lease_key()).query(connection)?;
        if last.is_some_and(|previous| left > previous) {
            return Ok(true);
        }
        last = (left > 0).then_some(left);
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(false)
}
