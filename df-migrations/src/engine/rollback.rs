//! `rollback`: restoring the exact state before the last upgrade from its image.

use super::{commit_id, now, Engine, Event, Phase, Report};
use crate::writes;
use crate::error::EngineError;
use crate::image;
use crate::records::{self, Action, Manifest};
use crate::store::{Op, Store};

impl Engine<'_> {
    /// Restores the exact pre-upgrade state of the last upgrade from its image: every live
    /// key as it was, and none that it lacks. Refuses when the data was written since,
    /// unless `force` (those writes are then lost).
    pub fn rollback(&mut self, force: bool, dry_run: bool, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        self.leased(|engine, lease| {
            let mut report = Report::default();
            let (snapshot, recovery) = engine.read(progress)?;
            report.recovered = recovery;
            report.objects_read = snapshot.objects();
            // Every upgrade's manifest names its image.
            let Some((left_digest, image)) = snapshot.original.manifest.as_ref().and_then(|m| Some((m.digest.clone(), m.image.clone()?))) else {
                return Err(EngineError::NothingToRollBack { store: engine.store.describe() });
            };
            // Once, for the check and the restore.
            let current = snapshot.entries();
            if writes::digest(current.iter().map(|(key, value)| (key.as_str(), *value))) != left_digest && !force {
                return Err(EngineError::WrittenSince { store: engine.store.describe() });
            }
            let mut ops = image::restore_ops(image::read(&mut engine.store, &image)?, &current);
            ops.extend(image::keys(&image).map(Op::Delete));
            report.tables = writes::summarize(&ops, &snapshot.original);
            if dry_run {
                return Ok(report);
            }
            progress(Event::Phase(Phase::Commit));
            ops.push(Op::Delete(records::backup_key().encode()));
            let record = Manifest { action: Action::Rollback, id: commit_id(&now(), lease), ..Manifest::default() };
            report.staged = engine.commit(lease, ops, &record)?.declined();
            report.committed = true;
            Ok(report)
        })
    }
}
