//! `baseline`: stamping a database that predates df-schema as being at one release of the
//! build's models, once a sample of its objects has that release's shape.

use super::{commit_id, now, Engine, Report};
use crate::commit;
use crate::error::EngineError;
use crate::plan::release_cmp;
use crate::records::{self, Action, AppliedState, EngineState, LogRow, Manifest, ModelState};
use crate::store::{Op, Store};
use crate::validate::Checks;
use std::collections::BTreeMap;

impl Engine<'_> {
    /// Stamps a database that predates df-schema as being at `release`'s schema: each
    /// model at its latest version of that release or earlier. First checks that up to
    /// `sample` objects of each table have that version's recorded shape, and that no
    /// table lacks a model; refuses on a mismatch, naming it.
    pub fn baseline(&mut self, release: &str, sample: usize, applied_at: Option<&str>, dry_run: bool) -> Result<Report, EngineError> {
        self.leased(|engine, lease| {
            let (snapshot, _) = engine.read(&mut |_| {})?;
            if snapshot.original.state.is_some() {
                return Err(EngineError::AlreadyBaselined { store: engine.store.describe() });
            }
            let models = engine.release_models(release)?;
            let mut state = EngineState { layout: Some(engine.build.layout.label()), models, ..EngineState::default() };

            let checks = Checks::at(&engine.build, state.models.iter().map(|(name, m)| (name.as_str(), m.version)), format!("of release {release}"));
            let sampled: Vec<_> =
                snapshot.nb.tables().flat_map(|table| snapshot.nb.iter(table).take(sample).map(move |(id, stored)| (table, id, stored))).collect();
            let failures = checks.check(&sampled);
            let checked = sampled.len();
            if failures.total > 0 {
                return Err(EngineError::BaselineMismatch {
                    store: engine.store.describe(),
                    release: release.to_owned(),
                    checked,
                    total: failures.total,
                    mismatches: failures.first,
                });
            }
            if dry_run {
                return Ok(Report { objects_read: snapshot.objects(), ..Report::default() });
            }
            let applied_at = applied_at.map_or_else(now, str::to_owned);
            let id = format!("baseline/{release}");
            state.applied.insert(id.clone(), AppliedState::default());
            let row = LogRow {
                id: id.clone(),
                release: release.to_owned(),
                description: format!("stamped as release {release} ({checked} objects checked)"),
                proposed_at: applied_at.clone(),
                applied_at,
            };
            let ops = vec![
                Op::Set(records::log_key(&id).encode(), serde_json::to_vec(&row).expect("rows serialize")),
                Op::Set(records::state_key().encode(), serde_json::to_vec(&state).expect("state serializes")),
            ];
            let record = Manifest { action: Action::Baseline, id: commit_id(&row.applied_at, lease), ..Manifest::default() };
            commit::commit(&mut engine.store, lease, ops, &record)?;
            Ok(Report { objects_read: snapshot.objects(), committed: true, ..Report::default() })
        })
    }

    /// The models of `release` at their versions: those the build declares and those it
    /// removes (which a database of that release still holds), each at its latest version
    /// of that release or earlier. Refuses a release no model has, listing those known.
    fn release_models(&self, release: &str) -> Result<BTreeMap<String, ModelState>, EngineError> {
        let mut models = BTreeMap::new();
        for (name, history) in self.build.histories() {
            let at = history.versions.iter().rev().find(|(_, r)| r.schema.release.as_deref().is_some_and(|r| release_cmp(r, release).is_le()));
            if let Some((version, record)) = at {
                models.insert(name.to_owned(), ModelState { version: *version, fingerprint: record.fingerprint.clone() });
            }
        }
        if models.is_empty() {
            let mut known: Vec<String> = self.build.histories().flat_map(|(_, h)| h.versions.values().filter_map(|r| r.schema.release.clone())).collect();
            known.sort_by(|a, b| release_cmp(a, b));
            known.dedup();
            return Err(EngineError::UnknownRelease { release: release.to_owned(), known: known.join(", ") });
        }
        Ok(models)
    }
}
