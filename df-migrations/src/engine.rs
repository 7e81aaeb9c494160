//! The engine: status, plan, upgrade (and its dry run), rollback, verify, each under the
//! upgrade lease where it may write, each recovering an interrupted commit first.

use crate::build::Build;
use crate::changes::{self, manifest_ops, Changes, TableSummary};
use crate::commit::{self, Lease, Recovery};
use crate::error::EngineError;
use crate::image;
use crate::plan::{plan, DbModel, DbState, Plan, PlannedStep};
use crate::records::{self, EngineState, LogRow, Manifest};
use crate::run;
use crate::snapshot::Snapshot;
use crate::store::{Holder, Namespaced, Op, Store};
use crate::validate::validate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// A phase of an upgrade, for progress and timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Read,
    Migrate,
    Validate,
    Commit,
}

/// Progress events, for a progress bar.
#[derive(Debug)]
pub enum Event<'a> {
    Phase(Phase),
    /// Keys read so far.
    Read(usize),
    Step(&'a PlannedStep),
    /// Objects validated so far.
    Validated(usize),
}

/// How to upgrade.
#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    /// Run everything but the commit.
    pub dry_run: bool,
    /// Stop after the steps of this release.
    pub to_release: Option<String>,
    /// Migration ids whose changed code the operator accepts.
    pub accept_changed: BTreeSet<String>,
    /// The `applied_at` of the log rows (default: now).
    pub applied_at: Option<String>,
}

/// What an upgrade or rollback did (or, dry, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub steps: Vec<ReportStep>,
    pub objects_read: usize,
    pub tables: BTreeMap<String, TableSummary>,
    pub committed: bool,
    /// Why the commit was staged rather than written in one fenced batch, if it was.
    pub staged: Option<String>,
    pub recovered: Option<String>,
    pub timings: BTreeMap<Phase, Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportStep {
    pub id: String,
    pub kind: String,
    pub release: Option<String>,
    pub description: String,
}

impl From<&PlannedStep> for ReportStep {
    fn from(step: &PlannedStep) -> ReportStep {
        ReportStep {
            id: step.id.clone(),
            kind: match step.kind {
                crate::plan::StepKind::NewModel => "new model",
                crate::plan::StepKind::Automatic => "automatic",
                crate::plan::StepKind::HandWritten => "hand-written",
                crate::plan::StepKind::Removal => "removal",
            }
            .to_owned(),
            release: step.release.clone(),
            description: step.description.clone(),
        }
    }
}

/// What `status` shows: read from the engine's records only, not from the objects.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub baselined: bool,
    /// Per model: the database's version (if any) and the build's.
    pub models: BTreeMap<String, (Option<u32>, u32)>,
    pub pending: Vec<ReportStep>,
    pub last_applied: Option<LogRow>,
    pub interrupted_commit: bool,
}

/// The engine over one store.
pub struct Engine<'s> {
    /// The store as the build's key layout sees it.
    store: Namespaced<'s>,
    build: Build,
    holder: Holder,
    lease_ttl: Duration,
}

fn now() -> String {
    df_schema::core::format_timestamp(&chrono::Utc::now())
}

/// A token nobody else has: the lease's identity (not a secret).
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for salt in 0..2u64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        hasher.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}

fn db_state(state: &EngineState) -> DbState {
    DbState {
        models: state
            .models
            .iter()
            .map(|(name, m)| (name.clone(), DbModel { version: m.version, fingerprint: m.fingerprint.clone() }))
            .collect(),
        applied: state
            .applied
            .iter()
            .map(|(id, a)| (id.clone(), crate::plan::Applied { checksum: a.checksum.clone() }))
            .collect(),
    }
}

impl<'s> Engine<'s> {
    pub fn new(store: &'s mut dyn Store, build: Build) -> Engine<'s> {
        let store = Namespaced::new(store, build.layout);
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "localhost".into());
        Engine {
            store,
            build,
            holder: Holder { who: format!("df-runner pid {} on {host}", std::process::id()), since: now() },
            lease_ttl: Duration::from_secs(60),
        }
    }

    /// How long the lease lasts without renewal (a runner that pauses longer loses it).
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// The store, e.g. to release resources or inspect it in tests.
    pub fn store(&mut self) -> &mut dyn Store {
        &mut self.store
    }

    fn acquire(&mut self) -> Result<Lease, EngineError> {
        let lease = Lease { token: random_token(), ttl: self.lease_ttl };
        let holder = Holder { since: now(), ..self.holder.clone() };
        match self.store.acquire_lease(&lease.token, &holder, lease.ttl)? {
            None => Ok(lease),
            Some(holder) => Err(EngineError::Locked { store: self.store.describe(), holder }),
        }
    }

    fn renew(&mut self, lease: &Lease) -> Result<(), EngineError> {
        if self.store.renew_lease(&lease.token, lease.ttl)? {
            Ok(())
        } else {
            Err(EngineError::LeaseLost { store: self.store.describe() })
        }
    }

    /// Runs `f` under the lease and releases it afterwards, whatever `f` returned.
    fn leased<T>(&mut self, f: impl FnOnce(&mut Self, &Lease) -> Result<T, EngineError>) -> Result<T, EngineError> {
        let lease = self.acquire()?;
        let result = f(self, &lease);
        let released = self.store.release_lease(&lease.token);
        let value = result?;
        released?;
        Ok(value)
    }

    /// Reads the database, first completing or discarding an interrupted commit.
    fn read(&mut self, progress: &mut dyn FnMut(Event)) -> Result<(Snapshot, Option<Recovery>), EngineError> {
        progress(Event::Phase(Phase::Read));
        let snapshot = Snapshot::read(&mut self.store, |n| progress(Event::Read(n)))?;
        match commit::recover(&mut self.store, &snapshot)? {
            Recovery::Clean => Ok((snapshot, None)),
            recovery => Ok((Snapshot::read(&mut self.store, |n| progress(Event::Read(n)))?, Some(recovery))),
        }
    }

    /// Completes or discards an interrupted commit; the data is then exactly the old or
    /// exactly the new state.
    pub fn recover(&mut self) -> Result<Option<Recovery>, EngineError> {
        self.leased(|engine, _| engine.read(&mut |_| {}).map(|(_, recovery)| recovery))
    }

    fn plan_for(&self, state: Option<&EngineState>, accept: &BTreeSet<String>) -> Result<Plan, EngineError> {
        // A state without a layout predates layouts, which were all Dragonflow's.
        let recorded = state.map(|s| s.layout.clone().unwrap_or_else(|| df_schema::KeyLayout::Dragonflow.label()));
        if let Some(recorded) = recorded.filter(|recorded| *recorded != self.build.layout.label()) {
            return Err(EngineError::OtherLayout { store: self.store.describe(), recorded, build: self.build.layout.label() });
        }
        let db = state.map(db_state).unwrap_or_default();
        Ok(plan(&db, &self.build.plan_models(), &self.build.plan_migrations(), accept)?)
    }

    /// The state record alone (no scan).
    fn read_state(&mut self) -> Result<(Option<EngineState>, bool), EngineError> {
        let keys = [records::state_key().encode(), records::commit_key().encode()];
        let values = self.store.get_many(&keys)?;
        let state = match &values[0] {
            None => None,
            Some(bytes) => Some(serde_json::from_slice(bytes).map_err(|e| EngineError::BadValue {
                store: self.store.describe(),
                key: keys[0].clone(),
                what: "the df-schema state",
                reason: e.to_string(),
            })?),
        };
        Ok((state, values[1].is_some()))
    }

    /// Versions, pending steps and the last applied step, from the engine's records only.
    pub fn status(&mut self) -> Result<Status, EngineError> {
        let (state, interrupted_commit) = self.read_state()?;
        let pending = self.plan_for(state.as_ref(), &BTreeSet::new())?.steps.iter().map(ReportStep::from).collect();
        let mut models = BTreeMap::new();
        for model in &self.build.models {
            let db = state.as_ref().and_then(|s| s.models.get(model.name)).map(|m| m.version);
            models.insert(model.name.to_owned(), (db, model.version));
        }
        let ids: Vec<String> = state.iter().flat_map(|s| s.applied.keys()).map(|id| records::log_key(id).encode()).collect();
        let last_applied = self
            .store
            .get_many(&ids)?
            .into_iter()
            .flatten()
            .filter_map(|bytes| serde_json::from_slice::<LogRow>(&bytes).ok())
            .max_by(|a, b| (&a.applied_at, &a.proposed_at, &a.id).cmp(&(&b.applied_at, &b.proposed_at, &b.id)));
        Ok(Status { baselined: state.is_some(), models, pending, last_applied, interrupted_commit })
    }

    /// The pending steps (from the engine's records only).
    pub fn plan(&mut self, to_release: Option<&str>) -> Result<Plan, EngineError> {
        let (state, _) = self.read_state()?;
        let plan = self.plan_for(state.as_ref(), &BTreeSet::new())?;
        Ok(match to_release {
            Some(release) => crate::plan::limit_to_release(plan, release),
            None => plan,
        })
    }

    /// Applies every pending step (or, dry, everything but the commit).
    pub fn upgrade(&mut self, options: &UpgradeOptions, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        self.leased(|engine, lease| engine.upgrade_leased(lease, options, progress))
    }

    fn upgrade_leased(&mut self, lease: &Lease, options: &UpgradeOptions, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let started = Instant::now();
        let (mut snapshot, recovery) = self.read(progress)?;
        report.recovered = recovery.map(|r| format!("{r:?}"));
        report.objects_read = snapshot.objects();
        report.timings.insert(Phase::Read, started.elapsed());
        if snapshot.state.is_none() && snapshot.objects() > 0 {
            return Err(EngineError::NotBaselined { store: self.store.describe(), objects: snapshot.objects() });
        }
        let mut plan = self.plan_for(snapshot.state.as_ref(), &options.accept_changed)?;
        if let Some(release) = &options.to_release {
            plan = crate::plan::limit_to_release(plan, release);
        }
        report.steps = plan.steps.iter().map(ReportStep::from).collect();
        if plan.steps.is_empty() {
            return Ok(report);
        }
        self.renew(lease)?;

        // The image is written before the migrations change the objects it copies (a dry
        // run writes nothing); until the commit names it, it is garbage to delete if
        // anything fails. Its time counts as the commit's.
        let started = Instant::now();
        let applied_at = options.applied_at.clone().unwrap_or_else(now);
        let image = if options.dry_run { None } else { Some(image::write(&mut self.store, &snapshot, &lease.tag())?) };
        let imaging = started.elapsed();
        let changes = match self.migrate(&mut snapshot, lease, &plan, options, &applied_at, progress, &mut report) {
            Ok(changes) => changes,
            Err(error) => {
                if let Some(image) = &image {
                    // Best effort: the next run deletes what is left.
                    let _ = image::discard(&mut self.store, image);
                }
                return Err(error);
            }
        };
        let Some(image) = image else { return Ok(report) };
        let started = Instant::now();
        let manifest = Manifest {
            action: "upgrade".into(),
            image: Some(image),
            id: format!("{applied_at}/{}", lease.token),
            digest: changes.digest,
            ..Manifest::default()
        };
        let mut ops = changes.ops;
        ops.extend(manifest_ops(&snapshot, &manifest));
        drop(snapshot);
        report.staged = commit::commit(&mut self.store, lease, ops, &manifest)?.declined();
        *report.timings.entry(Phase::Commit).or_default() += imaging + started.elapsed();
        report.committed = true;
        Ok(report)
    }

    /// Runs the plan's steps on the snapshot's objects, validates them, and works out the
    /// writes of the commit (timed as its start).
    #[allow(clippy::too_many_arguments)]
    fn migrate(
        &mut self,
        snapshot: &mut Snapshot,
        lease: &Lease,
        plan: &Plan,
        options: &UpgradeOptions,
        applied_at: &str,
        progress: &mut dyn FnMut(Event),
        report: &mut Report,
    ) -> Result<Changes, EngineError> {
        let started = Instant::now();
        progress(Event::Phase(Phase::Migrate));
        // The migrations work on the parsed objects themselves: what changed is found by
        // comparing with the original bytes, so no second parsed copy is kept.
        let mut nb = std::mem::take(&mut snapshot.nb);
        let mut state = snapshot.state.clone().unwrap_or_default();
        state.layout = Some(self.build.layout.label());
        for id in &options.accept_changed {
            if let (Some(applied), Some(migration)) = (state.applied.get_mut(id), self.build.migration(id)) {
                applied.checksum = Some(migration.checksum.to_owned());
            }
        }
        let mut rows = Vec::new();
        for pass in run::passes(&plan.steps, &self.build) {
            // One pass at a time, renewing the lease in between: a long upgrade keeps it.
            pass.iter().for_each(|step| progress(Event::Step(step)));
            rows.extend(run::run_pass(&mut nb, &pass, &self.build, &mut state, applied_at)?);
            // Objects the pass parsed go back to bytes (see `df_schema::Stored`).
            nb.flush();
            self.renew(lease)?;
        }
        report.timings.insert(Phase::Migrate, started.elapsed());

        let started = Instant::now();
        progress(Event::Phase(Phase::Validate));
        validate(&nb, &self.build, &state, |n| progress(Event::Validated(n)))?;
        report.timings.insert(Phase::Validate, started.elapsed());

        // Working out the writes belongs to the commit: a dry run stops right after it.
        let started = Instant::now();
        progress(Event::Phase(Phase::Commit));
        let changes = changes::compute(snapshot, nb, &rows, &state);
        report.tables = changes.summary.clone();
        report.timings.insert(Phase::Commit, started.elapsed());
        Ok(changes)
    }

    /// Stamps a database that predates df-schema as being at `release`'s schema: each
    /// model at its latest version of that release or earlier. First checks that up to
    /// `sample` objects of each table have that version's recorded shape, and that no
    /// table lacks a model; refuses on a mismatch, naming it.
    pub fn baseline(&mut self, release: &str, sample: usize, applied_at: Option<&str>, dry_run: bool) -> Result<Report, EngineError> {
        self.leased(|engine, lease| {
            let (snapshot, _) = engine.read(&mut |_| {})?;
            if snapshot.state.is_some() {
                return Err(EngineError::AlreadyBaselined { store: engine.store.describe() });
            }
            let mut state = EngineState { layout: Some(engine.build.layout.label()), ..EngineState::default() };
            let mut tables: BTreeMap<String, (String, u32, df_schema::core::Ty)> = BTreeMap::new();
            // The models of the release: those the build declares, and those it removes
            // (which the database holds until their removal runs).
            for (name, history) in engine.build.histories() {
                let at = history.versions.iter().rev().find(|(_, r)| {
                    r.schema.release.as_deref().is_some_and(|r| crate::plan::release_cmp(r, release).is_le())
                });
                if let Some((version, record)) = at {
                    state.models.insert(name.to_owned(), records::ModelState { version: *version, fingerprint: record.fingerprint.clone() });
                    tables.insert(record.schema.table.clone(), (name.to_owned(), *version, record.schema.object_ty()));
                }
            }
            if state.models.is_empty() {
                let mut known: Vec<String> = engine.build.histories().flat_map(|(_, h)| h.versions.values().filter_map(|r| r.schema.release.clone())).collect();
                known.sort_by(|a, b| crate::plan::release_cmp(a, b));
                known.dedup();
                return Err(EngineError::UnknownRelease { release: release.to_owned(), known: known.join(", ") });
            }
            let mut checked = 0;
            let mut mismatches = Vec::new();
            for table in snapshot.nb.tables() {
                for (id, stored) in snapshot.nb.iter(table).take(sample) {
                    checked += 1;
                    let key = crate::layout::Key::object(table, stored.topic(), id).encode();
                    let invalid = match tables.get(table) {
                        None => Some(("(no model)".to_owned(), format!("no model of release {release} stores objects in table `{table}`"))),
                        Some((model, version, ty)) => (!ty.accepts(&serde_json::Value::Object(stored.object().clone())))
                            .then(|| (format!("{model} v{version}"), format!("does not have the recorded shape {ty}"))),
                    };
                    if let Some((model, reason)) = invalid {
                        if mismatches.len() < crate::validate::LISTED {
                            mismatches.push(crate::error::Invalid { model, key, reason });
                        }
                    }
                }
            }
            if !mismatches.is_empty() {
                return Err(EngineError::BaselineMismatch { store: engine.store.describe(), release: release.to_owned(), checked, mismatches });
            }
            if dry_run {
                return Ok(Report { objects_read: snapshot.objects(), ..Report::default() });
            }
            let applied_at = applied_at.map_or_else(now, str::to_owned);
            let id = format!("baseline/{release}");
            state.applied.insert(id.clone(), records::AppliedState::default());
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
            let record = Manifest { action: "baseline".into(), id: format!("{}/{}", row.applied_at, lease.token), ..Manifest::default() };
            commit::commit(&mut engine.store, lease, ops, &record)?;
            Ok(Report { objects_read: snapshot.objects(), committed: true, ..Report::default() })
        })
    }

    /// Restores the exact pre-upgrade state of the last upgrade from its image: every live
    /// key as it was, and none that it lacks. Refuses when the data was written since,
    /// unless `force` (those writes are then lost).
    pub fn rollback(&mut self, force: bool, dry_run: bool, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        self.leased(|engine, lease| {
            let mut report = Report::default();
            let (snapshot, recovery) = engine.read(progress)?;
            report.recovered = recovery.map(|r| format!("{r:?}"));
            report.objects_read = snapshot.objects();
            // Every upgrade's manifest names its image.
            let Some((left_digest, image)) = snapshot.manifest.as_ref().and_then(|m| Some((m.digest.clone(), m.image.clone()?))) else {
                return Err(EngineError::NothingToRollBack { store: engine.store.describe() });
            };
            // Once, for the check and the restore.
            let current = snapshot.entries();
            if changes::digest(current.iter().map(|(key, value)| (key.as_str(), *value))) != left_digest && !force {
                return Err(EngineError::WrittenSince { store: engine.store.describe() });
            }
            let mut ops = image::restore_ops(image::read(&mut engine.store, &image)?, &current);
            ops.extend(image::keys(&image).map(Op::Delete));
            report.tables = changes::summarize(&ops, &snapshot);
            if dry_run {
                return Ok(report);
            }
            progress(Event::Phase(Phase::Commit));
            ops.push(Op::Delete(records::manifest_key().encode()));
            let record = Manifest { action: "rollback".into(), id: format!("{}/{}", now(), lease.token), ..Manifest::default() };
            report.staged = commit::commit(&mut engine.store, lease, ops, &record)?.declined();
            report.committed = true;
            Ok(report)
        })
    }

    /// The migration log, oldest first (reads every key).
    pub fn history(&mut self) -> Result<Vec<LogRow>, EngineError> {
        let mut log = Snapshot::read(&mut self.store, |_| {})?.log;
        log.sort_by(|a, b| (&a.applied_at, &a.proposed_at, &a.id).cmp(&(&b.applied_at, &b.proposed_at, &b.id)));
        Ok(log)
    }

    /// Every key with its value (the lease aside), for an export.
    pub fn dump(&mut self) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
        let mut entries = Vec::new();
        self.store.scan("", &mut |key, value| entries.push((String::from_utf8_lossy(key).into_owned(), value)))?;
        entries.sort();
        Ok(entries)
    }

    /// Writes an import under the lease. Refuses a database that holds keys unless `force`.
    pub fn import(&mut self, ops: Vec<Op>, force: bool) -> Result<usize, EngineError> {
        self.leased(|engine, lease| {
            let existing = engine.dump()?.len();
            if existing > 0 && !force {
                return Err(EngineError::NotEmpty { store: engine.store.describe(), keys: existing });
            }
            let record = Manifest { action: "import".into(), id: format!("{}/{}", now(), lease.token), ..Manifest::default() };
            let count = ops.len();
            commit::commit(&mut engine.store, lease, ops, &record)?;
            Ok(count)
        })
    }

    /// Decodes every object as its head model and checks the applied checksums. Writes
    /// nothing; returns the problems found.
    pub fn verify(&mut self, progress: &mut dyn FnMut(Event)) -> Result<Vec<String>, EngineError> {
        progress(Event::Phase(Phase::Read));
        let snapshot = Snapshot::read(&mut self.store, |n| progress(Event::Read(n)))?;
        let mut problems = Vec::new();
        if snapshot.commit.is_some() || !snapshot.staged.is_empty() {
            problems.push("a commit was interrupted; the next upgrade or `recover` completes it".to_owned());
        }
        match self.plan_for(snapshot.state.as_ref(), &BTreeSet::new()) {
            Err(EngineError::Plan(refused)) => problems.extend(refused.problems.iter().map(ToString::to_string)),
            Err(other) => return Err(other),
            Ok(plan) if !plan.steps.is_empty() => {
                problems.push(format!("{} steps are pending: the objects are not at their head versions yet", plan.steps.len()));
            }
            Ok(_) => {}
        }
        progress(Event::Phase(Phase::Validate));
        let state = snapshot.state.clone().unwrap_or_default();
        if let Err(EngineError::Invalid { total, first }) = validate(&snapshot.nb, &self.build, &state, |n| progress(Event::Validated(n))) {
            problems.push(EngineError::Invalid { total, first }.to_string());
        }
        Ok(problems)
    }
}
