//! `rollback`: restoring the exact state before an upgrade from its image, one upgrade
//! back or back to a release across several (see `crate::runs`).

use super::{commit_id, now, Engine, Event, Phase, Report};
use crate::error::EngineError;
use crate::image;
use crate::plan::release_cmp;
use crate::records::{Action, Manifest, Run};
use crate::runs::{self, Unreachable};
use crate::store::Store;
use crate::writes;
use std::cmp::Ordering;
use std::time::Instant;

/// How to roll back.
#[derive(Debug, Clone, Default)]
pub struct RollbackOptions {
    /// Roll back even though the data was written since the last upgrade (those writes
    /// are lost).
    pub force: bool,
    /// Work out what would be restored, and write nothing.
    pub dry_run: bool,
    /// Go back to this release, undoing every upgrade since (each must still have its
    /// image); without it, undo the last upgrade.
    pub to_release: Option<String>,
}

impl Engine<'_> {
    /// Restores the exact state from before the last upgrade (or, with `to_release`,
    /// from before the first upgrade past that release) from its image: every live key
    /// as it was, and none that it lacks. Refuses when the data was written since the
    /// last upgrade, unless `force` (those writes are then lost). The upgrades undone stay
    /// in the audit trail, marked rolled back.
    pub fn rollback(&mut self, options: &RollbackOptions, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        if let Some(release) = &options.to_release {
            self.build.check_release(release)?;
        }
        self.leased(|engine, lease| {
            let began = Instant::now();
            let started_at = now();
            let mut report = Report::default();
            let (snapshot, recovery) = engine.read(progress)?;
            report.recovered = recovery;
            report.objects_read = snapshot.objects();
            let store = engine.store.describe();
            let later = |a: &str, b: &str| release_cmp(a, b) == Ordering::Greater;
            let undo = runs::to_undo(&snapshot.original.runs, options.to_release.as_deref(), later).map_err(|unreachable| {
                let release = options.to_release.clone().unwrap_or_default();
                match unreachable {
                    Unreachable::NothingToUndo => EngineError::NothingToRollBack { store: store.clone(), empty: snapshot.original.keys.is_empty() && snapshot.original.runs.is_empty() },
                    Unreachable::AlreadyThere => EngineError::AlreadyAtRelease { store: store.clone(), release },
                    Unreachable::Straddles { run } => EngineError::UpgradeStraddles { store: store.clone(), release, run: run.seq, releases: run.releases.join(", ") },
                    Unreachable::Pruned { run } => EngineError::ImagePruned { store: store.clone(), run: run.seq, started_at: run.started_at.clone() },
                }
            })?;
            let (newest, oldest) = (undo[0], undo[undo.len() - 1]);
            tracing::info!(store = %store, undo = ?undo.iter().map(|run| run.seq).collect::<Vec<_>>(), "rolling back to the image of run {}", oldest.seq);
            // Once, for the check and the restore.
            let current = snapshot.entries();
            if writes::digest(current.iter().map(|(key, value)| (key.as_str(), *value))) != newest.digest && !options.force {
                return Err(EngineError::WrittenSince { store });
            }
            let image = oldest.image.as_ref().expect("runs::to_undo returns upgrades with images");
            let mut ops = image::restore_ops(image::read(&mut engine.store, image)?, &current);
            report.tables = writes::summarize(&ops, &snapshot.original);
            report.rolled_back = undo.iter().map(|run| run.seq).collect();
            if options.dry_run {
                return Ok(report);
            }
            progress(Event::Phase(Phase::Commit));
            let id = commit_id(&started_at, lease);
            let mut rollback = Run::new(&snapshot.original.runs, id.clone(), Action::Rollback, started_at.clone());
            rollback.undid.clone_from(&report.rolled_back);
            rollback.seconds = began.elapsed().as_secs_f64();
            let mut changed = runs::rolled_back(&undo, rollback.seq, &started_at);
            changed.push(rollback);
            // The undone upgrades' images go with the records that no longer name them.
            ops.extend(runs::record(&snapshot.original, &changed));
            let record = Manifest { action: Action::Rollback, id, ..Manifest::default() };
            report.staged = engine.commit(lease, ops, &record)?.declined();
            report.committed = true;
            Ok(report)
        })
    }
}
