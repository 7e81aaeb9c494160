//! A crash at every write of an upgrade, on any store: a store wrapper that fails at a
//! chosen write, and the driver that tries every write index of a small upgrade and
//! checks that recovery leaves exactly the old or exactly the new state, and that the
//! next upgrade leaves the new one.
//!
//! One copy, used by the engine's tests (which assert on its report) and by the fault
//! campaign (which counts its outcomes per store).

mod store;
mod targets;

pub use store::{CrashingStore, Writes};
pub use targets::{on_etcd, on_memory, on_redb, on_redis, on_redis_cluster};

use crate::dragonflow::{engine, options, seed, APPLIED_AT};
use crate::states::{classify, differing_from_upgrade, dump, Dump, Found, Keys};
use df_migrations::store::Store;
use df_migrations::Recovery;
use std::fmt;

/// What [`crash_at_every_write`] saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrashReport {
    /// Write indices crashed at (the last index tried, at which the upgrade finished
    /// without crashing, is not counted).
    pub tried: usize,
    /// Crashes that recovery left in exactly the old state.
    pub old: usize,
    /// Crashes that recovery left in exactly the new state.
    pub new: usize,
    /// Of `new`, those where recovery completed a decided commit.
    pub rolled_forward: usize,
    /// Of `old`, those where recovery restored the keys of a commit written in place from
    /// its image.
    pub restored: usize,
    /// Why the commit was staged or written in place, if it was (else it was one batch
    /// under the lease).
    pub staged: Option<String>,
    /// Whether it was written in place.
    pub in_place: bool,
    /// Every check that failed.
    pub failures: Vec<CrashFailure>,
}

/// One failed check of a crash run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashFailure {
    /// The write index crashed at; `None` for the reference run and for coverage.
    pub fail_at: Option<usize>,
    /// What did not hold.
    pub what: String,
}

impl fmt::Display for CrashFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fail_at {
            Some(index) => write!(f, "crash at write {index}: {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

/// Upgrades past this many writes mean the crashing store never let one finish.
const MAX_WRITES: usize = 100_000;

/// For every write index of an upgrade of the Dragonflow 2.0 database: crash there,
/// recover, and find exactly the old or exactly the new state (every key, every byte);
/// then upgrade, and find exactly the new state. `fresh` makes an empty store; `expire`
/// forgets the crashed runner's lease, as waiting out its expiry would. `writes` says
/// what a crash leaves of the batch it interrupts.
///
/// Also a failure: no crash leaving the old state, or (when the commit was staged) none
/// rolled forward: the crash points would then not have covered both sides of the commit.
pub fn crash_at_every_write<S: Store>(mut fresh: impl FnMut() -> S, writes: Writes, mut expire: impl FnMut(&mut S)) -> CrashReport {
    let mut report = CrashReport::default();
    let mut baselined = || -> Result<S, String> {
        let mut store = fresh();
        seed(&mut store).map_err(|e| format!("seeding: {e}"))?;
        engine(&mut store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), Some(APPLIED_AT), false).map_err(|e| format!("baseline: {e}"))?;
        Ok(store)
    };
    let reference = baselined().and_then(|mut store| {
        let old = dump(&mut store).map_err(|e| e.to_string())?;
        // Through the wrapper, never crashing: it decides how the commit is made.
        let mut whole = CrashingStore::new(store, usize::MAX, writes);
        let report = engine(&mut whole).upgrade(&options(), &mut |_| {}).map_err(|e| format!("upgrade: {e}"))?;
        Ok((old, dump(&mut whole.inner).map_err(|e| e.to_string())?, report.staged, report.in_place))
    });
    let (old, new, staged, in_place) = match reference {
        Ok(states) => states,
        Err(what) => {
            report.failures.push(CrashFailure { fail_at: None, what: format!("the reference run without a crash failed: {what}") });
            return report;
        }
    };
    let mut finished = false;
    for fail_at in 0..MAX_WRITES {
        let mut crashing = match baselined() {
            Ok(store) => CrashingStore::new(store, fail_at, writes),
            Err(what) => {
                report.failures.push(CrashFailure { fail_at: Some(fail_at), what });
                return report;
            }
        };
        if engine(&mut crashing).upgrade(&options(), &mut |_| {}).is_ok() {
            if fail_at == 0 || crashing.writes >= fail_at {
                report.failures.push(CrashFailure { fail_at: Some(fail_at), what: "the upgrade reported success through a crash".into() });
            }
            finished = true;
            break;
        }
        report.tried += 1;
        let mut store = crashing.inner;
        // The crashed runner's lease is still there: the next runner waits it out.
        expire(&mut store);
        if let Err(what) = recover_and_upgrade(&mut store, &old, &new, &mut report) {
            report.failures.push(CrashFailure { fail_at: Some(fail_at), what });
        }
    }
    let mut coverage = |what: String| report.failures.push(CrashFailure { fail_at: None, what });
    if !finished {
        coverage(format!("no upgrade finished within {MAX_WRITES} writes"));
    }
    if report.old == 0 {
        coverage("no crash left the old state".into());
    }
    report.staged = staged;
    report.in_place = in_place;
    if report.staged.is_some() && !in_place && report.rolled_forward == 0 {
        coverage("no crash after the commit record was rolled forward".into());
    }
    if in_place && report.restored == 0 {
        coverage("no crash during the writes in place was undone from the image".into());
    }
    report
}

/// One crashed store: recover (old or new, counted), then upgrade (new).
fn recover_and_upgrade(store: &mut dyn Store, old: &Dump, new: &Dump, report: &mut CrashReport) -> Result<(), String> {
    let recovery = engine(store).recover().map_err(|e| format!("recover: {e}"))?;
    let after = dump(store).map_err(|e| e.to_string())?;
    match classify(&after, old, new) {
        Found::Old => {
            report.old += 1;
            if recovery == Some(Recovery::Restored) {
                report.restored += 1;
            }
        }
        Found::New => {
            report.new += 1;
            if recovery == Some(Recovery::RolledForward) {
                report.rolled_forward += 1;
            }
        }
        neither @ Found::Neither { .. } => return Err(format!("recovery ({recovery:?}) left {neither}")),
    }
    engine(store).upgrade(&options(), &mut |_| {}).map_err(|e| format!("the upgrade after recovery: {e}"))?;
    let mix = differing_from_upgrade(&dump(store).map_err(|e| e.to_string())?, new);
    if !mix.is_empty() {
        return Err(format!("the upgrade after recovery left {} that differ from the new state", Keys(&mix)));
    }
    Ok(())
}
