//! Running planned steps on the in-memory database: the framework's own steps (a new
//! model, recorded defaults) and the hand-written migrations, each logged. A migration's
//! error or panic stops everything with its id and, where known, the object it was on.
//!
//! Each pass over a table parses and rewrites every object, which is most of an
//! upgrade's time, so steps that work on one object at a time (recorded defaults,
//! per-object migrations; a new model does nothing) share one pass per table. That is
//! exact: such a step sees only its object, so running steps 1..n on one object before
//! the next object gets step 1 gives the same result as step-by-step passes.
//!
//! A step may also join a pass that comes before a whole-database migration, when that
//! migration declared tables (`#[migration(tables = […])]`) other than the step's: the
//! two touch different data, so their order does not matter (the migration runs on its
//! tables alone and cannot see the others, see `NbApi::within`). Steps on one table
//! always run in plan order, and a migration that declared nothing, or a model's removal,
//! is a barrier that no step crosses.

use crate::build::Build;
use crate::error::EngineError;
use crate::plan::{PlannedStep, StepKind};
use crate::records::{AppliedState, EngineState, LogRow, ModelState};
use df_schema::core::{diff, Change};
use df_schema::registry::MigrationFn;
use df_schema::{MigrationError, NbApi, Object};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The plan's steps in passes (see the module documentation): each step that works on
/// one object at a time joins the earliest pass it may, and every other step is a pass of
/// its own.
pub fn passes<'a>(steps: &'a [PlannedStep], build: &Build) -> Vec<Vec<&'a PlannedStep>> {
    /// A pass, with the tables its steps touch (`None`: any table).
    struct Pass<'a> {
        steps: Vec<&'a PlannedStep>,
        per_object: bool,
        tables: Option<BTreeSet<String>>,
    }
    let overlap = |a: &Option<BTreeSet<String>>, b: &Option<BTreeSet<String>>| match (a, b) {
        (Some(a), Some(b)) => !a.is_disjoint(b),
        _ => true,
    };
    let mut passes: Vec<Pass> = Vec::new();
    for step in steps {
        let tables = tables_of(step, build);
        let per_object = per_object(step, build) && tables.is_some();
        // After the last pass that touches the same tables; into it, if it is a per-object
        // pass, or else into the first per-object pass after it.
        let last = passes.iter().rposition(|pass| overlap(&pass.tables, &tables));
        let from = match last {
            Some(index) if passes[index].per_object => index,
            Some(index) => index + 1,
            None => 0,
        };
        let join = per_object.then(|| passes[from..].iter().position(|pass| pass.per_object).map(|offset| from + offset)).flatten();
        match join {
            Some(index) => {
                let pass = &mut passes[index];
                pass.steps.push(step);
                if let (Some(all), Some(more)) = (&mut pass.tables, tables) {
                    all.extend(more);
                }
            }
            None => passes.push(Pass { steps: vec![step], per_object, tables }),
        }
    }
    passes.into_iter().map(|pass| pass.steps).collect()
}

/// The tables a step reads or writes, if it says: a per-object step's model table, a
/// whole-database migration's declared tables; `None` for any table.
fn tables_of(step: &PlannedStep, build: &Build) -> Option<BTreeSet<String>> {
    let model = build.model(&step.model);
    let table = |version| Some((model?.history)().versions.get(&version)?.schema.table.clone());
    let one = |table: Option<String>| table.map(|table| BTreeSet::from([table]));
    match step.kind {
        StepKind::NewModel | StepKind::Automatic => one(table(step.to)),
        StepKind::HandWritten => match build.migration(&step.id)? {
            migration if matches!(migration.run, MigrationFn::Each(_)) => one(model?.per_object_table(step.to).ok().map(str::to_owned)),
            migration => Some(migration.tables?.iter().map(|table| (*table).to_owned()).collect()),
        },
        StepKind::Removal => None,
    }
}

/// Runs one pass of [`passes`] on `nb`, updating `state`; returns the log rows to append.
pub fn run_pass(nb: &mut NbApi, pass: &[&PlannedStep], build: &Build, state: &mut EngineState, applied_at: &str) -> Result<Vec<LogRow>, EngineError> {
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

fn run_per_object(nb: &mut NbApi, pass: &[&PlannedStep], build: &Build) -> Result<(), EngineError> {
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
    let Some(migration) = build.migration(&step.id).filter(|m| matches!(m.run, MigrationFn::Whole(_))) else {
        // The plan only names migrations of this build, and per-object ones run in passes.
        return Err(EngineError::MigrationPanicked { id: step.id.clone(), message: "not in this build".into(), at: None });
    };
    // On its declared tables alone, if it declared them.
    match catch_unwind(AssertUnwindSafe(|| migration.run(nb))) {
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
    use df_schema::core::{ModelHistory, VersionRecord, VersionSchema};
    use df_schema::registry::{MigrationEntry, MigrationTarget, ModelEntry};
    use std::sync::OnceLock;

    fn history(table: &str) -> ModelHistory {
        let versions = (1..=4).map(|v| (v, VersionRecord::new(VersionSchema::new(table.to_owned(), None, Vec::new())))).collect();
        ModelHistory { versions }
    }

    fn model(name: &'static str, table: &'static str, history: fn() -> &'static ModelHistory) -> &'static ModelEntry {
        let entry = ModelEntry { name, table, version: 4, fingerprint: "", has_topic: false, history, decode: |_| Ok(()), module_path: "", lock: "" };
        Box::leak(Box::new(entry))
    }

    fn migration(id: &'static str, model: &'static str, run: MigrationFn, tables: Option<&'static [&'static str]>) -> &'static MigrationEntry {
        let target = MigrationTarget::Step { model, to: 2 };
        let entry = MigrationEntry { id, target, release: "", proposed_at: "", description: "", checksum: "", run, tables, lock: "" };
        Box::leak(Box::new(entry))
    }

    /// Models `A` (table `a`) and `B` (table `b`) at versions 1 to 4, and three migrations:
    /// per-object, whole-database with declared tables, and whole-database without.
    fn build() -> Build {
        static A: OnceLock<ModelHistory> = OnceLock::new();
        static B: OnceLock<ModelHistory> = OnceLock::new();
        let models = vec![model("A", "a", || A.get_or_init(|| history("a"))), model("B", "b", || B.get_or_init(|| history("b")))];
        let migrations = vec![
            migration("b-each", "B", MigrationFn::Each(|_, _| Ok(())), None),
            migration("b-declared", "B", MigrationFn::Whole(|_| Ok(())), Some(&["b"])),
            migration("a-whole", "A", MigrationFn::Whole(|_| Ok(())), None),
        ];
        Build { models, migrations, layout: df_schema::KeyLayout::Dragonflow }
    }

    fn step(id: &str, kind: StepKind, model: &str, to: u32) -> PlannedStep {
        PlannedStep {
            id: id.to_owned(),
            kind,
            model: model.to_owned(),
            to,
            release: None,
            description: String::new(),
            proposed_at: None,
            checksum: None,
        }
    }

    fn grouped(steps: &[PlannedStep], build: &Build) -> Vec<Vec<String>> {
        passes(steps, build).iter().map(|pass| pass.iter().map(|step| step.id.clone()).collect()).collect()
    }

    #[test]
    fn per_object_steps_share_a_pass_and_cross_only_migrations_of_other_tables() {
        let steps = [
            step("a-new", StepKind::NewModel, "A", 1),
            step("a-auto2", StepKind::Automatic, "A", 2),
            step("b-declared", StepKind::HandWritten, "B", 2),
            // Table `a` only: joins the first pass, across the migration of table `b`.
            step("a-auto3", StepKind::Automatic, "A", 3),
            // Table `b`: after the migration that declared it.
            step("b-auto3", StepKind::Automatic, "B", 3),
            step("a-whole", StepKind::HandWritten, "A", 4),
            // Nothing crosses a migration that declared no tables, or a removal.
            step("b-each", StepKind::HandWritten, "B", 4),
            step("gone", StepKind::Removal, "C", 1),
            step("a-auto4", StepKind::Automatic, "A", 4),
        ];
        let expected = [vec!["a-new", "a-auto2", "a-auto3"], vec!["b-declared"], vec!["b-auto3"], vec!["a-whole"], vec!["b-each"], vec!["gone"], vec!["a-auto4"]];
        assert_eq!(grouped(&steps, &build()), expected);
        assert!(passes(&[], &build()).is_empty());
    }

    #[test]
    fn a_step_whose_table_is_unknown_runs_alone() {
        let build = Build { models: Vec::new(), migrations: Vec::new(), layout: df_schema::KeyLayout::Dragonflow };
        let steps = [step("new", StepKind::NewModel, "M", 1), step("auto", StepKind::Automatic, "M", 2)];
        assert_eq!(grouped(&steps, &build), [vec!["new"], vec!["auto"]]);
    }
}
