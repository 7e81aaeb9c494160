//! The paused runner on redb, whose lease is a file lock: a paused process keeps it, so
//! nobody can take over and the paused runner completes when resumed.

use super::{Pause, Paused, Run};
use crate::faults::db::Kind;
use crate::faults::expected::{Expected, Verdict};
use std::time::{Duration, Instant};

/// Pauses the first runner at a random moment after it took the lock, starts a second
/// (refused, naming the first), then resumes the first.
pub fn paused_holds_the_lock(pause: &mut Pause, expected: &mut Expected) -> anyhow::Result<Run> {
    let Kind::Redb(path) = &pause.db.kind else { anyhow::bail!("a redb scenario on {}", pause.db.name()) };
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    let runner = pause.db.runner();
    let mut child = runner.spawn(&["upgrade"])?;
    let pid = child.id();
    // The store writes the holder into the lock file once it has the lock.
    let deadline = Instant::now() + Duration::from_mins(5);
    while std::fs::metadata(&lock).map_or(0, |m| m.len()) == 0 && child.try_wait()?.is_none() {
        anyhow::ensure!(Instant::now() < deadline, "the first runner never took its lock");
        std::thread::sleep(Duration::from_millis(1));
    }
    let delay = crate::faults::rng::duration_up_to(pause.rng, pause.window.mul_f64(0.8));
    std::thread::sleep(delay);
    let mut paused = Paused::stop(child)?;
    if paused.exited()? {
        paused.resume()?;
        return Ok(Run::Missed);
    }
    let second = runner.run(&["upgrade"])?;
    let first = paused.resume()?;
    let named = second.error().contains("open in another process: ") && second.error().contains(&format!(" pid {pid} on "));
    if second.success || !named {
        return Ok(Run::Failed(format!("the second runner was not refused naming the paused one (pid {pid}): {}", second.describe())));
    }
    if !first.committed() {
        return Ok(Run::Failed(format!("the paused runner did not complete its upgrade: {}", first.describe())));
    }
    match expected.judge(&pause.db.dump()?)? {
        Verdict::New => Ok(Run::Passed("the second runner was refused naming the paused one, which then upgraded".into())),
        verdict => Ok(Run::Failed(format!("after the paused runner completed: {verdict}"))),
    }
}
