//! `upgrade`: read, image, migrate, validate, commit, the pipeline the crate exists for.

use super::accept::{self, Acceptance};
use super::{commit_id, now, Engine, Event, Phase, Report, ReportStep};
use crate::writes::{self, Writes};
use crate::commit;
use crate::error::EngineError;
use crate::image;
use crate::lease::Lease;
use crate::plan::{limit_to_release, release_cmp, Plan};
use crate::records::{self, Action, EngineState, ImageRef, Manifest, Run};
use crate::run;
use crate::runs;
use crate::snapshot::{Original, Snapshot};
use crate::store::{Op, Store};
use crate::validate::{storable, validate};
use df_schema::__private::EngineNb;
use df_schema::NbApi;
use std::collections::BTreeSet;
use std::time::Instant;

/// How to upgrade.
#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    /// Run everything but the commit.
    pub dry_run: bool,
    /// Stop after the steps of this release.
    pub to_release: Option<String>,
    /// Applied migrations whose changed code the operator accepts, by id: each must be
    /// one (see `accept`); it is recorded even when no step is pending.
    pub accept_changed: BTreeSet<String>,
    /// Initialize an empty database (no df-schema state and no objects): every model is
    /// created in it. Without it, an empty database is refused, since it is more often the
    /// wrong one (a mistyped Redis database number) than a new one.
    pub init: bool,
    /// The `applied_at` of the log rows (default: now).
    pub applied_at: Option<String>,
}

/// One upgrade under the lease: what every phase after the read needs.
struct Upgrade<'e, 's, 'p> {
    engine: &'e mut Engine<'s>,
    lease: &'e Lease,
    options: &'e UpgradeOptions,
    applied_at: String,
    progress: &'p mut dyn FnMut(Event<'_>),
    report: Report,
    /// When it began, for its run record.
    began: Instant,
    /// How many objects the migrated data holds, for its run record.
    objects_left: usize,
}

impl Engine<'_> {
    /// Applies every pending step (or, dry, everything but the commit). With nothing
    /// pending and no interrupted commit, it reads the engine's records and nothing else.
    pub fn upgrade(&mut self, options: &UpgradeOptions, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        if let Some(release) = &options.to_release {
            self.build.check_release(release)?;
        }
        self.leased(|engine, lease| {
            let applied_at = options.applied_at.clone().unwrap_or_else(now);
            Upgrade { engine, lease, options, applied_at, progress, report: Report::default(), began: Instant::now(), objects_left: 0 }.run()
        })
    }
}

/// What an upgrade found before reading the data.
enum Prepared {
    /// Nothing is pending, and no commit was interrupted: there is nothing to read.
    Current,
    /// The data is to be read, with writes by others watched or not.
    Read {
        /// Whether writes by others are watched.
        watching: bool,
    },
}

impl Upgrade<'_, '_, '_> {
    /// What an upgrade checks from the engine's records before it reads: whether there is
    /// anything to do at all; then, with something to do, room on the servers and no
    /// expiring key; then it starts watching for writes by others, unless dry.
    fn prepare(&mut self) -> Result<Prepared, EngineError> {
        let (state, interrupted) = self.engine.read_state()?;
        // A plan that fails is reported after the read, with what the read found.
        let plan = self.engine.plan_for(state.as_ref(), &self.options.accept_changed).ok();
        let plan = plan.map(|plan| match &self.options.to_release {
            Some(release) => limit_to_release(plan, release),
            None => plan,
        });
        let pending = plan.is_none_or(|plan| !plan.steps.is_empty());
        if !pending && self.options.accept_changed.is_empty() {
            // A database at this build's schema, with no commit to complete, is not read:
            // an upgrade at every start of an application costs a few reads.
            if state.is_some() && interrupted.is_none() {
                return Ok(Prepared::Current);
            }
            return Ok(Prepared::Read { watching: false });
        }
        super::room::check(&mut self.engine.store)?;
        if let Some((key, left_ms)) = self.engine.store.expiring("")? {
            return Err(EngineError::Expiring { store: self.engine.store.describe(), key, left_ms });
        }
        if self.options.dry_run {
            return Ok(Prepared::Read { watching: false });
        }
        self.engine.watch()?;
        Ok(Prepared::Read { watching: true })
    }

    fn run(mut self) -> Result<Report, EngineError> {
        let Prepared::Read { watching } = self.prepare()? else {
            tracing::info!(store = %self.engine.store.describe(), "nothing pending: only the engine's records were read");
            return Ok(self.report);
        };
        let started = Instant::now();
        let (snapshot, recovery) = self.engine.read_then(self.progress, &mut |engine| if watching { engine.watch_again() } else { Ok(()) })?;
        self.report.recovered = recovery;
        self.report.objects_read = snapshot.objects();
        self.report.timings.insert(Phase::Read, started.elapsed());
        let store = self.engine.store.describe();
        match (&snapshot.original.state, snapshot.objects()) {
            (None, 0) if !self.options.init => return Err(EngineError::NotInitialized { store }),
            (None, objects @ 1..) => return Err(EngineError::NotBaselined { store, objects }),
            _ => {}
        }
        // Records without the objects the last upgrade left: the data was lost (a server
        // restarted without persistence, keys evicted), and upgrading the rest would
        // hide it.
        let last = snapshot.original.runs.iter().rev().find(|run| run.action == Action::Upgrade && run.rolled_back.is_none());
        if let Some(run) = last.filter(|run| run.objects > 0 && snapshot.objects() == 0 && !self.options.init) {
            return Err(EngineError::ObjectsLost { store, run: run.seq, objects: run.objects });
        }
        let acceptances = accept::check(snapshot.original.state.as_ref().unwrap_or(&EngineState::default()), &self.engine.build, &self.options.accept_changed, &store)?;
        let mut plan = self.engine.plan_for(snapshot.original.state.as_ref(), &self.options.accept_changed)?;
        if let Some(release) = &self.options.to_release {
            plan = limit_to_release(plan, release);
        }
        self.engine.fleet_gate(&plan)?;
        self.report.steps = plan.steps.iter().map(ReportStep::from).collect();
        tracing::info!(store = %store, objects = snapshot.objects(), steps = plan.steps.len(), accepted = acceptances.len(), "read and planned");
        self.report.accepted = acceptances.iter().map(|a| a.id.clone()).collect();
        if plan.steps.is_empty() && acceptances.is_empty() {
            return Ok(self.report);
        }
        self.engine.renew(self.lease)?;

        // The image is written before the migrations change the objects it copies (a dry
        // run writes nothing), after the intent record that says it may be left behind;
        // until the commit names it, it is garbage to delete if anything fails. Its time
        // counts as the commit's.
        let started = Instant::now();
        let image = if self.options.dry_run {
            None
        } else {
            // A store that fails while writing the image is not asked to delete it: the
            // intent stays, and the next run discards what is there.
            commit::intend(&mut self.engine.store, self.lease)?;
            let stop = self.engine.stop.clone();
            let total = snapshot.original.keys.len();
            let progress = &mut self.progress;
            let mut imaged = |done| progress(Event::Imaged { done, total });
            let written = image::write(&mut self.engine.store, &snapshot, &self.lease.tag(), &|| stop.requested(), &mut imaged);
            match written {
                // Stopped between two chunks, the image already deleted: the rest goes too.
                Err(error @ EngineError::Stopped { .. }) => return Err(self.abandon(None, error)),
                written => {
                    let image = written?;
                    tracing::info!(chunks = image.chunks, keys = image.entries, bytes = image.bytes, tag = %image.tag, "wrote the pre-upgrade image");
                    Some(image)
                }
            }
        };
        let imaging = started.elapsed();
        let Snapshot { nb, original } = snapshot;
        let writes = match self.migrate(nb, &original, &plan, &acceptances) {
            Ok(writes) => writes,
            Err(error) => return Err(self.abandon(image.as_ref(), error)),
        };
        let Some(image) = image else { return Ok(self.report) };
        if let Err(error) = self.unwritten_by_others() {
            return Err(self.abandon(Some(&image), error));
        }
        let started = Instant::now();
        let id = commit_id(&self.applied_at, self.lease);
        let manifest = Manifest { action: Action::Upgrade, image: Some(image.clone()), id: id.clone(), digest: writes.digest.clone(), ..Manifest::default() };
        let mut run = Run::new(&original.runs, id, Action::Upgrade, self.applied_at.clone());
        run.steps = plan.steps.iter().map(|step| step.id.clone()).chain(acceptances.iter().map(|a| a.id.clone())).collect();
        for release in plan.steps.iter().filter_map(|step| step.release.clone()) {
            if !run.releases.contains(&release) {
                run.releases.push(release);
            }
        }
        run.releases.sort_by(|a, b| release_cmp(a, b));
        run.image = Some(image.clone());
        run.digest = writes.digest;
        run.objects = self.objects_left;
        run.seconds = self.began.elapsed().as_secs_f64();
        let mut changed = runs::pruned(&[original.runs.clone(), vec![run.clone()]].concat(), self.engine.kept_images);
        changed.push(run);
        let mut ops = writes.ops;
        ops.extend(runs::record(&original, &changed));
        drop(original);
        let committed = self.engine.commit(self.lease, ops, &manifest);
        let committed = match committed {
            Err(error @ EngineError::Stopped { .. }) => return Err(self.abandon(Some(&image), error)),
            committed => committed?,
        };
        self.report.in_place = matches!(committed, commit::Committed::InPlace { .. });
        self.report.staged = committed.declined();
        match (&self.report.staged, self.report.in_place) {
            (None, _) => tracing::info!("committed in one fenced batch"),
            (Some(declined), true) => tracing::info!(declined = %declined, "committed in place"),
            (Some(declined), false) => tracing::info!(declined = %declined, "committed staged and rolled forward"),
        }
        *self.report.timings.entry(Phase::Commit).or_default() += imaging + started.elapsed();
        self.report.committed = true;
        Ok(self.report)
    }

    /// Refuses the commit if anyone else wrote to the database since the read: their
    /// writes would be overwritten, or left in an old shape under the new state.
    fn unwritten_by_others(&mut self) -> Result<(), EngineError> {
        self.engine.unwritten_by_others(
            "the upgrade read and migrated the data",
            "committing would lose those writes or leave objects in their old shape. Nothing was committed, and the pre-upgrade image was deleted",
        )
    }

    /// Deletes what this upgrade wrote before it failed with `error` (its image, then its
    /// intent record), and returns `error`. Best effort: what is left is an undecided
    /// commit, which the next run discards.
    fn abandon(&mut self, image: Option<&ImageRef>, error: EngineError) -> EngineError {
        let store = &mut self.engine.store;
        if image.map_or(Ok(()), |image| image::discard(store, image)).is_ok() {
            let _ = store.write(&[Op::Delete(records::intent_key().encode())]);
        }
        error
    }

    /// Runs the plan's steps on the objects, validates them, and works out the writes of
    /// the commit (timed as its start).
    fn migrate(&mut self, mut nb: NbApi, original: &Original, plan: &Plan, acceptances: &[Acceptance]) -> Result<Writes, EngineError> {
        let started = Instant::now();
        (self.progress)(Event::Phase(Phase::Migrate));
        let mut state = original.state.clone().unwrap_or_default();
        state.layout = Some(self.engine.build.layout.label());
        let mut rows = accept::apply(&mut state, acceptances, &self.applied_at);
        for pass in run::passes(&plan.steps) {
            // One pass at a time, renewing the lease in between: a long upgrade keeps it.
            for step in &pass {
                (self.progress)(Event::Step(step));
            }
            rows.extend(run::run_pass(&mut nb, &pass, &mut state, &self.applied_at)?);
            // Objects the pass parsed go back to bytes (see `df_schema::Stored`).
            nb.flush();
            self.engine.renew(self.lease)?;
            self.engine.stop_point()?;
        }
        self.report.timings.insert(Phase::Migrate, started.elapsed());

        let started = Instant::now();
        (self.progress)(Event::Phase(Phase::Validate));
        storable(&nb)?;
        let progress = &mut self.progress;
        validate(&nb, &self.engine.build, &state, |done, total| progress(Event::Validated { done, total }))?;
        self.report.timings.insert(Phase::Validate, started.elapsed());

        // Working out the writes belongs to the commit: a dry run stops right after it.
        let started = Instant::now();
        (self.progress)(Event::Phase(Phase::Commit));
        self.objects_left = nb.tables().map(|table| nb.len(table)).sum();
        let writes = writes::compute(original, nb, &rows, &state);
        self.report.tables = writes.summary.clone();
        self.report.timings.insert(Phase::Commit, started.elapsed());
        Ok(writes)
    }
}
