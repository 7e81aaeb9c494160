//! `prune`: deleting the pre-upgrade images of older upgrades, which only a rollback that
//! far back would need.

use super::{commit_id, now, Engine};
use crate::error::EngineError;
use crate::records::{Action, Manifest, Run};
use crate::runs;

/// What a prune deleted (or, dry, would delete).
#[derive(Debug, Clone, Default)]
pub struct Pruned {
    /// The upgrades whose images went, as recorded afterwards.
    pub runs: Vec<Run>,
    /// The bytes their images held together.
    pub bytes: u64,
    /// Whether anything was written.
    pub committed: bool,
}

impl Engine<'_> {
    /// Deletes the images of every upgrade but the last `keep` (0: every image, after which
    /// no upgrade can be rolled back), and records the prune as a run.
    pub fn prune_images(&mut self, keep: usize, dry_run: bool) -> Result<Pruned, EngineError> {
        self.leased(|engine, lease| {
            let began = std::time::Instant::now();
            let (snapshot, _) = engine.read(&mut |_| {})?;
            let runs = &snapshot.original.runs;
            let mut changed = runs::pruned(runs, keep);
            let going = |run: &&Run| changed.iter().any(|c| c.seq == run.seq);
            let bytes = runs.iter().filter(going).filter_map(|run| run.image.as_ref()).map(|image| image.bytes).sum();
            let mut pruned = Pruned { runs: changed.clone(), bytes, committed: false };
            if dry_run || changed.is_empty() {
                return Ok(pruned);
            }
            let started_at = now();
            let id = commit_id(&started_at, lease);
            let mut prune = Run::new(runs, id.clone(), Action::Prune, started_at);
            prune.undid = changed.iter().map(|run| run.seq).collect();
            prune.seconds = began.elapsed().as_secs_f64();
            changed.push(prune);
            let ops = runs::record(&snapshot.original, &changed);
            engine.commit(lease, ops, &Manifest { action: Action::Prune, id, ..Manifest::default() })?;
            pruned.committed = true;
            Ok(pruned)
        })
    }
}
