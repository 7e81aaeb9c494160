//! `upgrade`: read, image, migrate, validate, commit, the pipeline the crate exists for.

use super::{commit_id, now, Engine, Event, Phase, Report, ReportStep};
use crate::writes::{self, manifest_ops, Writes};
use crate::commit;
use crate::error::EngineError;
use crate::image;
use crate::lease::Lease;
use crate::plan::{limit_to_release, Plan};
use crate::records::{Action, EngineState, Manifest};
use crate::run;
use crate::snapshot::{Original, Snapshot};
use crate::store::Store;
use crate::validate::validate;
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
    /// Migration ids whose changed code the operator accepts.
    pub accept_changed: BTreeSet<String>,
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
}

impl Engine<'_> {
    /// Applies every pending step (or, dry, everything but the commit).
    pub fn upgrade(&mut self, options: &UpgradeOptions, progress: &mut dyn FnMut(Event)) -> Result<Report, EngineError> {
        self.leased(|engine, lease| {
            let applied_at = options.applied_at.clone().unwrap_or_else(now);
            Upgrade { engine, lease, options, applied_at, progress, report: Report::default() }.run()
        })
    }
}

impl Upgrade<'_, '_, '_> {
    fn run(mut self) -> Result<Report, EngineError> {
        let started = Instant::now();
        let (snapshot, recovery) = self.engine.read(self.progress)?;
        self.report.recovered = recovery;
        self.report.objects_read = snapshot.objects();
        self.report.timings.insert(Phase::Read, started.elapsed());
        if snapshot.original.state.is_none() && snapshot.objects() > 0 {
            return Err(EngineError::NotBaselined { store: self.engine.store.describe(), objects: snapshot.objects() });
        }
        let mut plan = self.engine.plan_for(snapshot.original.state.as_ref(), &self.options.accept_changed)?;
        if let Some(release) = &self.options.to_release {
            plan = limit_to_release(plan, release);
        }
        self.report.steps = plan.steps.iter().map(ReportStep::from).collect();
        if plan.steps.is_empty() {
            return Ok(self.report);
        }
        self.engine.renew(self.lease)?;

        // The image is written before the migrations change the objects it copies (a dry
        // run writes nothing); until the commit names it, it is garbage to delete if
        // anything fails. Its time counts as the commit's.
        let started = Instant::now();
        let image = if self.options.dry_run { None } else { Some(image::write(&mut self.engine.store, &snapshot, &self.lease.tag())?) };
        let imaging = started.elapsed();
        let Snapshot { nb, original } = snapshot;
        let writes = match self.migrate(nb, &original, &plan) {
            Ok(writes) => writes,
            Err(error) => {
                if let Some(image) = &image {
                    // Best effort: the next run deletes what is left.
                    let _ = image::discard(&mut self.engine.store, image);
                }
                return Err(error);
            }
        };
        let Some(image) = image else { return Ok(self.report) };
        let started = Instant::now();
        let manifest =
            Manifest { action: Action::Upgrade, image: Some(image), id: commit_id(&self.applied_at, self.lease), digest: writes.digest, ..Manifest::default() };
        let mut ops = writes.ops;
        ops.extend(manifest_ops(&original, &manifest));
        drop(original);
        self.report.staged = commit::commit(&mut self.engine.store, self.lease, ops, &manifest)?.declined();
        *self.report.timings.entry(Phase::Commit).or_default() += imaging + started.elapsed();
        self.report.committed = true;
        Ok(self.report)
    }

    /// Runs the plan's steps on the objects, validates them, and works out the writes of
    /// the commit (timed as its start).
    fn migrate(&mut self, mut nb: NbApi, original: &Original, plan: &Plan) -> Result<Writes, EngineError> {
        let started = Instant::now();
        (self.progress)(Event::Phase(Phase::Migrate));
        let build = &self.engine.build;
        let mut state = original.state.clone().unwrap_or_default();
        state.layout = Some(build.layout.label());
        accept_changed(&mut state, self.options, build);
        let mut rows = Vec::new();
        for pass in run::passes(&plan.steps) {
            // One pass at a time, renewing the lease in between: a long upgrade keeps it.
            for step in &pass {
                (self.progress)(Event::Step(step));
            }
            rows.extend(run::run_pass(&mut nb, &pass, &mut state, &self.applied_at)?);
            // Objects the pass parsed go back to bytes (see `df_schema::Stored`).
            nb.flush();
            self.engine.renew(self.lease)?;
        }
        self.report.timings.insert(Phase::Migrate, started.elapsed());

        let started = Instant::now();
        (self.progress)(Event::Phase(Phase::Validate));
        let progress = &mut self.progress;
        validate(&nb, &self.engine.build, &state, |n| progress(Event::Validated(n)))?;
        self.report.timings.insert(Phase::Validate, started.elapsed());

        // Working out the writes belongs to the commit: a dry run stops right after it.
        let started = Instant::now();
        (self.progress)(Event::Phase(Phase::Commit));
        let writes = writes::compute(original, nb, &rows, &state);
        self.report.tables = writes.summary.clone();
        self.report.timings.insert(Phase::Commit, started.elapsed());
        Ok(writes)
    }
}

/// Records the build's checksum of each applied migration whose changed code the
/// operator accepts.
fn accept_changed(state: &mut EngineState, options: &UpgradeOptions, build: &crate::linked::Build) {
    for id in &options.accept_changed {
        if let (Some(applied), Some(migration)) = (state.applied.get_mut(id), build.migration(id)) {
            applied.checksum = Some(migration.checksum.to_owned());
        }
    }
}
