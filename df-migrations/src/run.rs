//! Running planned steps on the in-memory database: the framework's own steps (a new
//! model, recorded defaults) and the hand-written migrations, each logged. A migration's
//! error or panic stops everything with its id and, where known, the object it was on.
//!
//! Each pass over a table parses and rewrites every object, which is most of an
//! upgrade's time, so consecutive steps that work on one object at a time (recorded
//! defaults, per-object migrations; a new model does nothing) share one pass per table.
//! That is exact: such a step sees only its object, so running steps 1..n on one object
//! before the next object gets step 1 gives the same result as step-by-step passes.

use crate::build::Build;
use crate::error::EngineError;
use crate::plan::{PlannedStep, StepKind};
use crate::records::{AppliedState, EngineState, LogRow, ModelState};
use df_schema::core::{diff, Change};
use df_schema::registry::MigrationFn;
use df_schema::{MigrationError, NbApi, Object};
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The plan's steps in passes: each run of consecutive per-object steps is one pass, and
/// every other step is a pass of its own.
pub fn passes<'a>(steps: &'a [PlannedStep], build: &Build) -> Vec<&'a [PlannedStep]> {
    let mut passes: Vec<&[PlannedStep]> = Vec::new();
    let mut start = 0;
    for (index, step) in steps.iter().enumerate() {
        let joins = index > start && per_object(step, build) && per_object(&steps[index - 1], build);
        if index > start && !joins {
            passes.push(&steps[start..index]);
            start = index;
        }
    }
    if start < steps.len() {
        passes.push(&steps[start..]);
    }
    passes
}

/// Runs one pass of [`passes`] on `nb`, updating `state`; returns the log rows to append.
pub fn run_pass(nb: &mut NbApi, pass: &[PlannedStep], build: &Build, state: &mut EngineState, applied_at: &str) -> Result<Vec<LogRow>, EngineError> {
    match pass {
        [step] if !per_object(step, build) => run_whole(nb, build, step)?,
        _ => run_per_object(nb, pass, build)?,
    }
    Ok(pass.iter().map(|step| record(step, build, state, applied_at)).collect())
}

/// What one per-object step does to an object.
enum Work {
    Defaults(Vec<(&'static str, &'static Value)>),
    Each(fn(&str, &mut Object) -> Result<(), MigrationError>),
}

/// Why a per-object pass stopped: the index of the step in the pass, and what happened.
enum Stop {
    Failed(usize, MigrationError),
    Panicked(usize, String, String),
}

fn run_per_object(nb: &mut NbApi, pass: &[PlannedStep], build: &Build) -> Result<(), EngineError> {
    // Per table, in plan order, what each step does there.
    let mut tables: BTreeMap<String, Vec<(usize, Work)>> = BTreeMap::new();
    for (index, step) in pass.iter().enumerate() {
        let work = match step.kind {
            StepKind::Automatic => added_defaults(build, step).map(|(table, defaults)| (table, Work::Defaults(defaults))),
            StepKind::HandWritten => match build.migration(&step.id).map(|m| m.run) {
                Some(MigrationFn::Each(f)) => Some((step_table(build, step)?, Work::Each(f))),
                _ => None,
            },
            StepKind::NewModel | StepKind::Removal => None,
        };
        if let Some((table, work)) = work {
            tables.entry(table).or_default().push((index, work));
        }
    }
    for (table, work) in &tables {
        let result = nb.update_each_par(table, |id, object| {
            for (index, work) in work {
                match work {
                    Work::Defaults(defaults) => df_schema::fields::fill_missing(object, defaults),
                    Work::Each(f) => match catch_unwind(AssertUnwindSafe(|| f(id, object))) {
                        Ok(Ok(())) => {}
                        Ok(Err(MigrationError::Table { message, .. })) => return Err(Stop::Failed(*index, MigrationError::object(table, id, message))),
                        Ok(Err(error)) => return Err(Stop::Failed(*index, error)),
                        Err(panic) => return Err(Stop::Panicked(*index, panic_message(panic), id.to_owned())),
                    },
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(Stop::Failed(index, error)) => return Err(EngineError::Migration { id: pass[index].id.clone(), error }),
            Err(Stop::Panicked(index, message, id)) => {
                return Err(EngineError::MigrationPanicked { id: pass[index].id.clone(), message, at: Some((table.clone(), id)) });
            }
        }
    }
    Ok(())
}

/// Whether a step works on one object at a time, and so can share a pass.
fn per_object(step: &PlannedStep, build: &Build) -> bool {
    match step.kind {
        StepKind::NewModel | StepKind::Automatic => true,
        StepKind::HandWritten => matches!(build.migration(&step.id).map(|m| m.run), Some(MigrationFn::Each(_))),
        StepKind::Removal => false,
    }
}

/// The step's bookkeeping: the model's new version and fingerprint, the migration's
/// checksum, and its log row.
fn record(step: &PlannedStep, build: &Build, state: &mut EngineState, applied_at: &str) -> LogRow {
    if step.kind == StepKind::Removal {
        state.models.remove(&step.model);
    } else {
        let fingerprint = build
            .model(&step.model)
            .and_then(|m| (m.history)().versions.get(&step.to).map(|r| r.fingerprint.clone()))
            .unwrap_or_default();
        state.models.insert(step.model.clone(), ModelState { version: step.to, fingerprint });
    }
    state.applied.insert(step.id.clone(), AppliedState { checksum: step.checksum.clone() });
    LogRow {
        id: step.id.clone(),
        release: step.release.clone().unwrap_or_default(),
        description: step.description.clone(),
        proposed_at: step.proposed_at.clone().unwrap_or_else(|| applied_at.to_owned()),
        applied_at: applied_at.to_owned(),
    }
}

/// An automatic step's work: every added field's recorded default, in the table the new
/// version is stored in. (The history lives as long as the program, so the defaults are
/// lent from it.)
fn added_defaults(build: &Build, step: &PlannedStep) -> Option<(String, Vec<(&'static str, &'static Value)>)> {
    let history: &'static _ = (build.model(&step.model)?.history)();
    let (old, new) = (history.versions.get(&(step.to - 1))?, history.versions.get(&step.to)?);
    let added: Vec<String> = diff(&old.schema, &new.schema, false)
        .into_iter()
        .filter_map(|change| match change {
            Change::Added(field) => Some(field.name),
            _ => None,
        })
        .collect();
    let defaults = new.schema.fields.iter().filter(|f| added.contains(&f.name)).filter_map(|f| Some((f.name.as_str(), f.default.as_ref()?))).collect();
    Some((new.schema.table.clone(), defaults))
}

/// The table a per-object migration runs on (see `ModelEntry::per_object_table`).
fn step_table(build: &Build, step: &PlannedStep) -> Result<String, EngineError> {
    let Some(model) = build.model(&step.model) else {
        // The plan only names models of this build.
        return Err(EngineError::MigrationPanicked { id: step.id.clone(), message: format!("{} is not in this build", step.model), at: None });
    };
    model.per_object_table(step.to).map(str::to_owned).map_err(|error| EngineError::Migration { id: step.id.clone(), error })
}

fn run_whole(nb: &mut NbApi, build: &Build, step: &PlannedStep) -> Result<(), EngineError> {
    let Some(MigrationFn::Whole(run)) = build.migration(&step.id).map(|m| m.run) else {
        // The plan only names migrations of this build, and per-object ones run in passes.
        return Err(EngineError::MigrationPanicked { id: step.id.clone(), message: "not in this build".into(), at: None });
    };
    match catch_unwind(AssertUnwindSafe(|| run(nb))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(EngineError::Migration { id: step.id.clone(), error }),
        Err(panic) => {
            let at = nb.position().map(|(t, k)| (t.to_owned(), k.to_owned()));
            Err(EngineError::MigrationPanicked { id: step.id.clone(), message: panic_message(panic), at })
        }
    }
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, kind: StepKind) -> PlannedStep {
        PlannedStep {
            id: id.to_owned(),
            kind,
            model: "M".to_owned(),
            to: 2,
            release: None,
            description: String::new(),
            proposed_at: None,
            checksum: None,
        }
    }

    #[test]
    fn consecutive_per_object_steps_share_a_pass_and_others_run_alone() {
        // No migration is linked here, so a hand-written step counts as whole-database.
        let build = Build { models: Vec::new(), migrations: Vec::new() };
        let steps = [
            step("new", StepKind::NewModel),
            step("auto1", StepKind::Automatic),
            step("whole", StepKind::HandWritten),
            step("auto2", StepKind::Automatic),
            step("auto3", StepKind::Automatic),
            step("removal", StepKind::Removal),
            step("auto4", StepKind::Automatic),
        ];
        let grouped: Vec<Vec<&str>> = passes(&steps, &build).iter().map(|p| p.iter().map(|s| s.id.as_str()).collect()).collect();
        assert_eq!(grouped, [vec!["new", "auto1"], vec!["whole"], vec!["auto2", "auto3"], vec!["removal"], vec!["auto4"]]);
        assert!(passes(&[], &build).is_empty());
    }
}
