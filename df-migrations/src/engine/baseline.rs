//! `baseline`: stamping a database that predates df-schema as being at known versions of
//! the build's models (one release's, or versions named outright, for a model set without
//! releases), once a sample of its objects has those versions' shapes.

use super::{commit_id, now, Engine, Report};
use crate::error::EngineError;
use crate::plan::release_cmp;
use crate::records::{self, Action, AppliedState, EngineState, LogRow, Manifest, ModelState, Run};
use crate::runs;
use crate::store::{Op, Store};
use crate::validate::Checks;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;

/// The versions `baseline` stamps a database at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineAt {
    /// Every model at its latest version of this release or an earlier one. The release
    /// must be one the models record.
    Release(String),
    /// Versions named outright, for a model set without releases: `models` names a
    /// model's version, and `every` gives the others theirs. A model neither names is
    /// left out, as a model the database does not have yet.
    Versions {
        /// The version of every model `models` does not name.
        every: Option<u32>,
        /// Versions by model name.
        models: BTreeMap<String, u32>,
    },
}

impl BaselineAt {
    /// The release `release`.
    pub fn release(release: &str) -> BaselineAt {
        BaselineAt::Release(release.to_owned())
    }

    /// How the log and messages name it: `release 2.0`, or `versions Host v1, Rack v2`.
    fn label(&self, models: &BTreeMap<String, ModelState>) -> String {
        match self {
            BaselineAt::Release(release) => format!("release {release}"),
            BaselineAt::Versions { .. } => {
                let versions: Vec<String> = models.iter().map(|(name, m)| format!("{name} v{}", m.version)).collect();
                format!("versions {}", versions.join(", "))
            }
        }
    }
}

impl Engine<'_> {
    /// Stamps a database that predates df-schema as being at the versions `at` names.
    /// First checks that up to `sample` objects of each table have those versions'
    /// recorded shapes, and that no table lacks a model; refuses on a mismatch, naming
    /// it. The report counts the objects checked.
    pub fn baseline(&mut self, at: &BaselineAt, sample: NonZeroUsize, applied_at: Option<&str>, dry_run: bool) -> Result<Report, EngineError> {
        self.leased(|engine, lease| {
            let began = std::time::Instant::now();
            let (snapshot, _) = engine.read(&mut |_| {})?;
            if snapshot.original.state.is_some() {
                return Err(EngineError::AlreadyBaselined { store: engine.store.describe() });
            }
            let models = match at {
                BaselineAt::Release(release) => engine.release_models(release)?,
                BaselineAt::Versions { every, models } => engine.named_versions(*every, models)?,
            };
            let label = at.label(&models);
            let mut state = EngineState { layout: Some(engine.build.layout.label()), models, ..EngineState::default() };

            let checks = Checks::at(&engine.build, state.models.iter().map(|(name, m)| (name.as_str(), m.version)), format!("of {label}"));
            let sampled: Vec<_> =
                snapshot.nb.tables().flat_map(|table| snapshot.nb.iter(table).take(sample.get()).map(move |(id, stored)| (table, id, stored))).collect();
            let failures = checks.check(&sampled);
            let checked = sampled.len();
            if failures.total > 0 {
                return Err(EngineError::BaselineMismatch {
                    store: engine.store.describe(),
                    at: label,
                    checked,
                    total: failures.total,
                    mismatches: failures.first,
                });
            }
            if dry_run {
                return Ok(Report { objects_read: snapshot.objects(), objects_checked: checked, ..Report::default() });
            }
            let applied_at = applied_at.map_or_else(now, str::to_owned);
            let (id, release) = match at {
                BaselineAt::Release(release) => (format!("baseline/{release}"), release.clone()),
                BaselineAt::Versions { .. } => ("baseline/versions".to_owned(), String::new()),
            };
            state.applied.insert(id.clone(), AppliedState::default());
            let row = LogRow {
                id: id.clone(),
                release,
                description: format!("stamped as {label} ({checked} objects checked)"),
                proposed_at: applied_at.clone(),
                applied_at,
            };
            let commit = commit_id(&row.applied_at, lease);
            let mut run = Run::new(&snapshot.original.runs, commit.clone(), Action::Baseline, row.applied_at.clone());
            run.steps.push(id.clone());
            run.releases.extend((!row.release.is_empty()).then(|| row.release.clone()));
            run.seconds = began.elapsed().as_secs_f64();
            let mut ops = vec![
                Op::Set(records::log_key(&id).encode(), serde_json::to_vec(&row).expect("rows serialize")),
                Op::Set(records::state_key().encode(), serde_json::to_vec(&state).expect("state serializes")),
            ];
            ops.extend(runs::record(&snapshot.original, &[run]));
            let record = Manifest { action: Action::Baseline, id: commit, ..Manifest::default() };
            engine.commit(lease, ops, &record)?;
            Ok(Report { objects_read: snapshot.objects(), objects_checked: checked, committed: true, ..Report::default() })
        })
    }

    /// The models of `release` at their versions: those the build declares and those it
    /// removes (which a database of that release still holds), each at its latest version
    /// of that release or earlier. Refuses a release no model records, listing those
    /// known, or saying there are none.
    fn release_models(&self, release: &str) -> Result<BTreeMap<String, ModelState>, EngineError> {
        self.build.check_release(release)?;
        let mut models = BTreeMap::new();
        for (name, history) in self.build.histories() {
            let at = history.versions.iter().rev().find(|(_, r)| r.schema.release.as_deref().is_some_and(|r| release_cmp(r, release).is_le()));
            if let Some((version, record)) = at {
                models.insert(name.to_owned(), ModelState { version: *version, fingerprint: record.fingerprint.clone() });
            }
        }
        Ok(models)
    }

    /// The versions named outright: `models`' own, and `every` for the other models that
    /// record it. Refuses a model the build does not know, and a version a model does not
    /// record (named, or `every` where no model records it).
    fn named_versions(&self, every: Option<u32>, named: &BTreeMap<String, u32>) -> Result<BTreeMap<String, ModelState>, EngineError> {
        let histories: BTreeMap<&str, _> = self.build.histories().collect();
        if let Some(model) = named.keys().find(|m| !histories.contains_key(m.as_str())) {
            let known: Vec<&str> = histories.keys().copied().collect();
            return Err(EngineError::UnknownModel { model: model.clone(), known: known.join(", ") });
        }
        let mut models = BTreeMap::new();
        for (name, history) in &histories {
            let (version, named) = match (named.get(*name), every) {
                (Some(version), _) => (*version, true),
                (None, Some(version)) => (version, false),
                (None, None) => continue,
            };
            match history.versions.get(&version) {
                Some(record) => drop(models.insert((*name).to_owned(), ModelState { version, fingerprint: record.fingerprint.clone() })),
                // A model that is newer than version `every`, which the database lacks.
                None if !named => {}
                None => {
                    let recorded: Vec<String> = history.versions.keys().map(|v| format!("v{v}")).collect();
                    return Err(EngineError::UnknownVersion { model: (*name).to_owned(), version, recorded: recorded.join(", ") });
                }
            }
        }
        if models.is_empty() {
            return Err(EngineError::NothingToBaseline { every });
        }
        Ok(models)
    }
}
