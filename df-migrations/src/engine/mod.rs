//! The engine: status, plan, upgrade (and its dry run), baseline, rollback, verify, export
//! and import, each under the upgrade lease where it may write, each recovering an
//! interrupted commit first.
//!
//! This file holds the engine itself and the commands that only read; the commands that
//! write have a file each.

mod accept;
mod baseline;
mod prune;
mod report;
mod rollback;
mod room;
mod stop;
mod upgrade;

#[cfg(test)]
mod lifecycle_tests;

pub use prune::Pruned;
pub use report::{Event, ModelVersions, Phase, Report, ReportStep, Status};
pub use baseline::BaselineAt;
pub use rollback::RollbackOptions;
pub use stop::Stop;
pub use upgrade::UpgradeOptions;

use crate::commit::{self, Interrupted, Recovery};
use crate::error::EngineError;
use crate::fleet::{self, HostRecord};
use crate::diagnostic::{Diagnostic, Ids};
use crate::lease::{self, Lease};
use crate::linked::Build;
use crate::plan::{limit_to_release, plan, Plan};
use crate::records::{self, Action, EngineState, LogRow, Manifest};
use crate::snapshot::Snapshot;
use crate::store::{LeaseState, Namespaced, Op, Store, Watching};
use crate::validate::validate;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// What `history` shows.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every committed run, in order: upgrades (rolled back or not), rollbacks, baselines
    /// and prunes.
    pub runs: Vec<records::Run>,
    /// The migration log (`schema_migration`): the steps the data is at.
    pub log: Vec<LogRow>,
}

/// The first key among `keys` that only an unfinished commit leaves: its commit or intent
/// record (its staging keys and drop marks are written after its intent and deleted before
/// it, and are told from objects by the tag the records name).
fn mid_commit<'k>(keys: impl Iterator<Item = &'k str>) -> Option<String> {
    let records = [records::commit_key().encode(), records::intent_key().encode()];
    keys.into_iter().find(|key| records.iter().any(|r| r == key)).map(str::to_owned)
}

/// The engine over one store.
pub struct Engine<'s> {
    /// The store as the build's key layout sees it.
    store: Namespaced<'s>,
    build: Build,
    /// Who this process is, for the lease's holder record.
    who: String,
    lease_ttl: Duration,
    stop: Stop,
    /// How many upgrades keep their pre-upgrade images.
    kept_images: usize,
}

/// Now, as the log and the records write times.
fn now() -> String {
    df_schema::core::format_timestamp(&chrono::Utc::now())
}

/// The id of a commit made now under `lease`.
fn commit_id(at: &str, lease: &Lease) -> String {
    format!("{at}/{}", lease.token)
}

impl<'s> Engine<'s> {
    /// An engine that upgrades `store` to `build`'s models.
    pub fn new(store: &'s mut dyn Store, build: Build) -> Engine<'s> {
        let store = Namespaced::new(store, build.layout);
        Engine { store, build, who: lease::this_process(), lease_ttl: Duration::from_mins(1), stop: Stop::new(), kept_images: crate::runs::DEFAULT_KEPT_IMAGES }
    }

    /// Keeps the pre-upgrade images of the last `upgrades` upgrades (at least the last
    /// one's; [`crate::DEFAULT_KEPT_IMAGES`] by default), so that `rollback` can go back
    /// that many upgrades. An upgrade deletes the older images as it commits.
    pub fn with_kept_images(mut self, upgrades: std::num::NonZeroUsize) -> Self {
        self.kept_images = upgrades.get();
        self
    }

    /// Stops a command that may write at its next safe point once `stop` is requested
    /// (see [`Stop`]), with [`EngineError::Stopped`].
    pub fn with_stop(mut self, stop: Stop) -> Self {
        self.stop = stop;
        self
    }

    /// A safe point: stops here if a stop was requested.
    fn stop_point(&self) -> Result<(), EngineError> {
        if self.stop.requested() {
            return Err(EngineError::Stopped { store: self.store.describe() });
        }
        Ok(())
    }

    /// Commits `ops` under `lease` (see `crate::commit`), after a last safe point.
    fn commit(&mut self, lease: &Lease, ops: Vec<Op>, record: &Manifest) -> Result<commit::Committed, EngineError> {
        self.stop_point()?;
        commit::commit(&mut self.store, lease, ops, record)
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
        let lease = Lease::new(self.lease_ttl, lease::holder(&self.who));
        match self.store.acquire_lease(&lease.token, &lease.holder, lease.ttl)? {
            None => {
                tracing::debug!(store = %self.store.describe(), holder = %lease.holder.who, ttl = ?lease.ttl, "took the lease");
                Ok(lease)
            }
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

    /// The upgrade lease as it is now, if someone holds it.
    pub fn lease(&mut self) -> Result<Option<LeaseState>, EngineError> {
        Ok(self.store.lease()?)
    }

    /// Breaks the lease if `token` (as [`Engine::lease`] showed it) still holds it, and
    /// says whether `token` is gone from it (broken here, or taken over meanwhile).
    /// Fencing keeps the old holder, if it still runs, from committing: its next fenced
    /// write finds the lease gone.
    pub fn break_lease(&mut self, token: &str) -> Result<bool, EngineError> {
        self.store.release_lease(token)?;
        Ok(self.store.lease()?.is_none_or(|now| now.token.as_deref() != Some(token)))
    }

    /// Reads the database, first completing or discarding an interrupted commit.
    fn read(&mut self, progress: &mut dyn FnMut(Event)) -> Result<(Snapshot, Option<Recovery>), EngineError> {
        self.read_then(progress, &mut |_| Ok(()))
    }

    /// [`Engine::read`], calling `recovered` after a recovery, before the data is read again.
    fn read_then(&mut self, progress: &mut dyn FnMut(Event), recovered: &mut dyn FnMut(&mut Engine) -> Result<(), EngineError>) -> Result<(Snapshot, Option<Recovery>), EngineError> {
        progress(Event::Phase(Phase::Read));
        let snapshot = Snapshot::read(&mut self.store, |n| progress(Event::Read(n)))?;
        tracing::debug!(store = %self.store.describe(), keys = snapshot.original.keys.len(), objects = snapshot.objects(), "read the database");
        self.stop_point()?;
        match commit::recover(&mut self.store, &snapshot)? {
            Recovery::Clean => Ok((snapshot, None)),
            recovery => {
                tracing::info!(store = %self.store.describe(), "{recovery}");
                recovered(self)?;
                Ok((Snapshot::read(&mut self.store, |n| progress(Event::Read(n)))?, Some(recovery)))
            }
        }
    }

    /// Completes or discards an interrupted commit; the data is then exactly the old or
    /// exactly the new state.
    pub fn recover(&mut self) -> Result<Option<Recovery>, EngineError> {
        self.leased(|engine, _| engine.read(&mut |_| {}).map(|(_, recovery)| recovery))
    }

    /// The plan for a database in `state` (`None`: without df-schema's records), refusing
    /// a database written in another key layout.
    fn plan_for(&self, state: Option<&EngineState>, accept: &BTreeSet<String>) -> Result<Plan, EngineError> {
        // A state without a layout predates layouts, which were all Dragonflow's.
        let recorded = state.map(|s| s.layout.clone().unwrap_or_else(|| df_schema::KeyLayout::Dragonflow.label()));
        if let Some(recorded) = recorded.filter(|recorded| *recorded != self.build.layout.label()) {
            return Err(EngineError::OtherLayout { store: self.store.describe(), recorded, build: self.build.layout.label() });
        }
        Ok(plan(state.unwrap_or(&EngineState::default()), &self.build, accept)?)
    }

    /// The state record alone (no scan), and whether a commit was interrupted.
    fn read_state(&mut self) -> Result<(Option<EngineState>, Option<Interrupted>), EngineError> {
        let keys = [records::state_key().encode(), records::commit_key().encode(), records::intent_key().encode()];
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
        Ok((state, Interrupted::of(values[1].is_some(), values[2].is_some())))
    }

    /// Versions, pending steps and the last applied step, from the engine's records only.
    pub fn status(&mut self) -> Result<Status, EngineError> {
        let (state, interrupted_commit) = self.read_state()?;
        let pending = self.plan_for(state.as_ref(), &BTreeSet::new())?.steps.iter().map(ReportStep::from).collect();
        let mut models = BTreeMap::new();
        for model in &self.build.models {
            let database = state.as_ref().and_then(|s| s.models.get(model.name)).map(|m| m.version);
            models.insert(model.name.to_owned(), ModelVersions { database, build: model.version });
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

    /// The pending steps (from the engine's records only), up to `to_release` if given.
    pub fn plan(&mut self, to_release: Option<&str>) -> Result<Plan, EngineError> {
        if let Some(release) = to_release {
            self.build.check_release(release)?;
        }
        let (state, _) = self.read_state()?;
        let plan = self.plan_for(state.as_ref(), &BTreeSet::new())?;
        let plan = match to_release {
            Some(release) => limit_to_release(plan, release),
            None => plan,
        };
        self.fleet_gate(&plan)?;
        Ok(plan)
    }

    /// Every application host's record (see [`crate::fleet`]), live or lapsed, by name.
    pub fn hosts(&mut self) -> Result<Vec<HostRecord>, EngineError> {
        let describe = self.store.describe();
        let mut hosts = Vec::new();
        let mut refused = None;
        self.store.scan(&fleet::host_keys(), &mut |key, value| match serde_json::from_slice(&value) {
            Ok(host) => hosts.push(host),
            Err(e) => {
                refused.get_or_insert_with(|| (String::from_utf8_lossy(key).into_owned(), e.to_string()));
            }
        })?;
        if let Some((key, reason)) = refused {
            let reason = format!("{reason}; delete the key if no host of this database writes it");
            return Err(EngineError::BadValue { store: describe, key, what: "an application host's record", reason });
        }
        hosts.sort_by(|a: &HostRecord, b| a.host.cmp(&b.host));
        Ok(hosts)
    }

    /// The application hosts live by their records now, by name: what `status` lists. A
    /// scan of the host records, which [`Engine::status`] leaves out so that an
    /// application's start-up reads no more than the state record.
    pub fn live_hosts(&mut self) -> Result<Vec<HostRecord>, EngineError> {
        let now = chrono::Utc::now();
        Ok(self.hosts()?.into_iter().filter(|host| host.is_live(now)).collect())
    }

    /// Refuses `plan` if a live host could not survive one of its steps.
    fn fleet_gate(&mut self, plan: &Plan) -> Result<(), EngineError> {
        const LISTED: usize = 5;
        if plan.steps.is_empty() {
            return Ok(());
        }
        let blockers = fleet::blockers(plan, &self.hosts()?, chrono::Utc::now());
        let Some(first) = blockers.first() else { return Ok(()) };
        Err(EngineError::LiveHosts {
            store: self.store.describe(),
            key: fleet::host_key(&first.host).encode(),
            count: blockers.len(),
            listed: blockers.iter().take(LISTED).map(ToString::to_string).collect(),
        })
    }

    /// The audit trail (every run, oldest first) and the migration log, oldest first
    /// (reads every key).
    pub fn history(&mut self) -> Result<History, EngineError> {
        let original = Snapshot::read(&mut self.store, |_| {})?.original;
        let mut log = original.log;
        log.sort_by(|a, b| (&a.applied_at, &a.proposed_at, &a.id).cmp(&(&b.applied_at, &b.proposed_at, &b.id)));
        Ok(History { runs: original.runs, log })
    }

    /// The audit trail alone, oldest first: reads the run records (and the record of
    /// df-schema before them), not the data.
    pub fn runs(&mut self) -> Result<Vec<records::Run>, EngineError> {
        let describe = self.store.describe();
        let bad = |key: String, what, reason: String| EngineError::BadValue { store: describe.clone(), key, what, reason };
        let mut runs = Vec::new();
        let mut refused = None;
        self.store.scan(&records::run_keys(), &mut |key, value| match serde_json::from_slice(&value) {
            Ok(run) => runs.push(run),
            Err(e) => {
                if refused.is_none() {
                    refused = Some((String::from_utf8_lossy(key).into_owned(), e.to_string()));
                }
            }
        })?;
        if let Some((key, reason)) = refused {
            return Err(bad(key, "a df-schema run record", reason));
        }
        let backup = records::backup_key().encode();
        if let Some(bytes) = self.store.get_many(std::slice::from_ref(&backup))?.pop().flatten() {
            let manifest = serde_json::from_slice(&bytes).map_err(|e| bad(backup, "a df-schema record", e.to_string()))?;
            runs.push(records::Run::from_legacy(manifest));
        }
        runs.sort_by_key(|run| run.seq);
        Ok(runs)
    }

    /// Every key with its value (the lease aside), for an export. Refuses a key that is
    /// not UTF-8, naming it in hex: an export (and every key the engine writes) is text,
    /// and replacing its bytes would change the key.
    pub fn dump(&mut self) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
        let mut entries = Vec::new();
        let mut not_text = None;
        self.store.scan("", &mut |key, value| match std::str::from_utf8(key) {
            Ok(key) => entries.push((key.to_owned(), value)),
            Err(_) => {
                if not_text.is_none() {
                    not_text = Some(crate::transfer::hex(key));
                }
            }
        })?;
        if let Some(hex) = not_text {
            let message = "the key is not UTF-8 (shown in hex), so no export can hold it exactly; rename or delete it first".to_owned();
            return Err(crate::store::StoreError::Key { store: self.store.describe(), key: format!("0x{hex}"), message }.into());
        }
        entries.sort();
        Ok(entries)
    }

    /// Every key with its value, as [`Engine::dump`], read under the lease so that no
    /// commit runs meanwhile, and refused while a commit is interrupted (the data would be
    /// a mix of the old state and the new): a consistent state, for an export.
    pub fn export(&mut self) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
        self.leased(|engine, _| {
            engine.store.watch_writes("")?;
            let entries = engine.dump()?;
            engine.unwritten_by_others("the export read the data", "the export would mix states. Nothing was exported")?;
            match mid_commit(entries.iter().map(|(key, _)| key.as_str())) {
                Some(key) => Err(EngineError::MidCommit { store: engine.store.describe(), key }),
                None => Ok(entries),
            }
        })
    }

    /// Starts watching for writes by others to the database (see
    /// [`Engine::unwritten_by_others`]), saying where the store cannot tell them.
    fn watch(&mut self) -> Result<(), EngineError> {
        match self.store.watch_writes("")? {
            Watching::Watched => tracing::debug!("watching for writes by others"),
            Watching::Exclusive => tracing::debug!("no one else can write while the store is open"),
            Watching::Unwatched(why) => tracing::warn!(store = %self.store.describe(), "writes by others during the upgrade cannot be detected ({why}): make sure no server writes to the database"),
        }
        Ok(())
    }

    /// Starts the watch over after a recovery: the recovery's own writes (a rename per key
    /// of a large commit) could fill the subscription's buffer until the server drops it.
    /// Writes by others seen until then still refuse; where the watch lost track of them
    /// during the recovery, that is logged, and the watch goes on from now.
    fn watch_again(&mut self) -> Result<(), EngineError> {
        match self.unwritten_by_others(
            "the upgrade read the data and recovered the interrupted commit",
            "the recovery may have overwritten those writes, and upgrading now would leave objects in their old shape. Nothing was upgraded",
        ) {
            Err(error @ EngineError::ForeignWrites { .. }) => return Err(error),
            Err(error) => tracing::warn!(store = %self.store.describe(), %error, "writes by others during the recovery cannot be told; watching again from now"),
            Ok(()) => {}
        }
        self.watch()
    }

    /// Ends the watch of [`Store::watch_writes`]: an error naming the keys others wrote
    /// meanwhile, `during` what, with its `consequence`.
    fn unwritten_by_others(&mut self, during: &'static str, consequence: &'static str) -> Result<(), EngineError> {
        const NAMED: usize = 5;
        let mut keys = self.store.foreign_writes()?;
        // Heartbeats are bookkeeping: a live host renewing its record writes no data.
        keys.retain(|key| !fleet::is_host_record(key));
        if keys.is_empty() {
            return Ok(());
        }
        Err(EngineError::ForeignWrites { store: self.store.describe(), during, consequence, count: keys.len(), keys: keys.into_iter().take(NAMED).collect() })
    }

    /// Writes an import under the lease. Refuses a database that holds keys unless `force`,
    /// and an export taken in the middle of a commit (see [`Engine::export`]).
    pub fn import(&mut self, ops: Vec<Op>, force: bool) -> Result<usize, EngineError> {
        if let Some(key) = mid_commit(ops.iter().map(Op::key)) {
            return Err(EngineError::MidCommitExport { key });
        }
        self.leased(|engine, lease| {
            let existing = engine.dump()?.len();
            if existing > 0 && !force {
                return Err(EngineError::NotEmpty { store: engine.store.describe(), keys: existing });
            }
            let began = std::time::Instant::now();
            let started_at = now();
            let id = commit_id(&started_at, lease);
            // The export's own trail comes with it; the import is the next run after it.
            let run_prefix = records::run_keys();
            let imported: Vec<records::Run> = ops
                .iter()
                .filter_map(|op| match op {
                    Op::Set(key, value) if key.starts_with(&run_prefix) => serde_json::from_slice(value).ok(),
                    _ => None,
                })
                .collect();
            let mut run = records::Run::new(&imported, id.clone(), Action::Import, started_at);
            run.seconds = began.elapsed().as_secs_f64();
            let count = ops.len();
            let mut ops = ops;
            ops.push(run.op());
            let record = Manifest { action: Action::Import, id, ..Manifest::default() };
            engine.commit(lease, ops, &record)?;
            Ok(count)
        })
    }

    /// Decodes every object as its head model and checks the applied checksums. Writes
    /// nothing; returns the problems found.
    pub fn verify(&mut self, progress: &mut dyn FnMut(Event)) -> Result<Vec<Diagnostic>, EngineError> {
        progress(Event::Phase(Phase::Read));
        self.store.watch_writes("")?;
        let snapshot = Snapshot::read(&mut self.store, |n| progress(Event::Read(n)))?;
        let store = Ids { store: Some(self.store.describe()), ..Ids::default() };
        let mut problems = Vec::new();
        // Keys written, deleted or evicted during the read: what was checked is not what
        // is there.
        match self.unwritten_by_others("verify read the data", "what verify checked is not what the database holds now") {
            Err(changed @ EngineError::ForeignWrites { .. }) => problems.push(Diagnostic::from(&changed)),
            Err(other) => return Err(other),
            Ok(()) => {}
        }
        if let Some(interrupted) = Interrupted::of(snapshot.original.commit.is_some(), snapshot.original.intent.is_some()) {
            problems.push(Diagnostic::new("interrupted_commit", interrupted.to_string(), store.clone()));
        }
        match self.plan_for(snapshot.original.state.as_ref(), &BTreeSet::new()) {
            Err(EngineError::Plan(refused)) => problems.extend(refused.problems.iter().map(Diagnostic::from)),
            Err(other) => return Err(other),
            Ok(plan) if !plan.steps.is_empty() => {
                let message = format!("{} steps are pending: the objects are not at their head versions yet", plan.steps.len());
                problems.push(Diagnostic::new("steps_pending", message, store));
            }
            Ok(_) => {}
        }
        progress(Event::Phase(Phase::Validate));
        let state = snapshot.original.state.clone().unwrap_or_default();
        if let Err(invalid @ EngineError::Invalid { .. }) = validate(&snapshot.nb, &self.build, &state, |done, total| progress(Event::Validated { done, total })) {
            problems.push(Diagnostic::from(&invalid));
        }
        Ok(problems)
    }
}
