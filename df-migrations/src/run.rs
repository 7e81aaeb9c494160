//! Running a planned step on the in-memory database: the framework's own steps (a new
//! model, recorded defaults) and the hand-written migrations, each logged. A migration's
//! error or panic stops everything with its id and, where known, the object it was on.

use crate::build::Build;
use crate::error::EngineError;
use crate::plan::{PlannedStep, StepKind};
use crate::records::{AppliedState, EngineState, LogRow, ModelState};
use df_schema::core::{diff, Change};
use df_schema::NbApi;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs one step on `nb`, updating `state`, and returns the log row to append.
pub fn run_step(nb: &mut NbApi, step: &PlannedStep, build: &Build, state: &mut EngineState, applied_at: &str) -> Result<LogRow, EngineError> {
    match step.kind {
        StepKind::NewModel => {}
        StepKind::Automatic => fill_defaults(nb, build, step),
        StepKind::HandWritten | StepKind::Removal => run_migration(nb, build, step)?,
    }
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
    Ok(LogRow {
        id: step.id.clone(),
        release: step.release.clone().unwrap_or_default(),
        description: step.description.clone(),
        proposed_at: step.proposed_at.clone().unwrap_or_else(|| applied_at.to_owned()),
        applied_at: applied_at.to_owned(),
    })
}

/// An automatic step: every added field gets its recorded default, in the table the new
/// version is stored in, where it is absent.
fn fill_defaults(nb: &mut NbApi, build: &Build, step: &PlannedStep) {
    let Some(model) = build.model(&step.model) else { return };
    let history = (model.history)();
    let (Some(old), Some(new)) = (history.versions.get(&(step.to - 1)), history.versions.get(&step.to)) else { return };
    let changes = diff(&old.schema, &new.schema, false);
    let defaults: Vec<(&str, &serde_json::Value)> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Added(field) => field.default.as_ref().map(|default| (field.name.as_str(), default)),
            _ => None,
        })
        .collect();
    nb.fill_defaults(&new.schema.table, &defaults);
}

fn run_migration(nb: &mut NbApi, build: &Build, step: &PlannedStep) -> Result<(), EngineError> {
    let Some(migration) = build.migration(&step.id) else {
        // The plan only names migrations of this build.
        return Err(EngineError::MigrationPanicked { id: step.id.clone(), message: "not in this build".into(), at: None });
    };
    match catch_unwind(AssertUnwindSafe(|| (migration.run)(nb))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(EngineError::Migration { id: step.id.clone(), error }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            let at = nb.position().map(|(t, k)| (t.to_owned(), k.to_owned()));
            Err(EngineError::MigrationPanicked { id: step.id.clone(), message, at })
        }
    }
}
