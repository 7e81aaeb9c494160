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

use crate::error::EngineError;
use crate::plan::{PlannedStep, StepWork};
use crate::records::{AppliedState, EngineState, LogRow, ModelState};
use df_schema::registry::{MigrationEntry, MigrationFn};
use df_schema::__private::EngineNb;
use df_schema::{MigrationError, NbApi, Object};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The plan's steps in passes (see the module documentation): each step that works on
/// one object at a time joins the earliest pass it may, and every other step is a pass of
/// its own.
pub fn passes(steps: &[PlannedStep]) -> Vec<Vec<&PlannedStep>> {
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
        let tables = tables_of(step);
        let per_object = per_object(step) && tables.is_some();
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
fn tables_of(step: &PlannedStep) -> Option<BTreeSet<String>> {
    let one = |table: &str| Some(BTreeSet::from([table.to_owned()]));
    match step.work {
        StepWork::Defaults(_) => match moved_table(step) {
            Some((from, to)) => Some(BTreeSet::from([from.to_owned(), to.to_owned()])),
            None => one(&step.history().versions.get(&step.to)?.schema.table),
        },
        StepWork::Create(_) => one(&step.history().versions.get(&step.to)?.schema.table),
        StepWork::Migration { model, migration } => match migration.run {
            MigrationFn::Each(_) => one(model.per_object_table(step.to).ok()?),
            MigrationFn::Whole(_) => Some(migration.tables?.iter().map(|table| (*table).to_owned()).collect()),
        },
        StepWork::Removal { .. } => None,
    }
}

/// Runs one pass of [`passes`] on `nb`, updating `state`; returns the log rows to append.
pub fn run_pass(nb: &mut NbApi, pass: &[&PlannedStep], state: &mut EngineState, applied_at: &str) -> Result<Vec<LogRow>, EngineError> {
    match pass {
        [step] if !per_object(step) => run_whole(nb, step)?,
        _ => run_per_object(nb, pass)?,
    }
    Ok(pass.iter().map(|step| record(step, state, applied_at)).collect())
}

/// What one step of a per-object pass does to each object of its table.
enum ObjectWork {
    /// Fills these recorded defaults where the field is absent.
    Defaults(Vec<(&'static str, &'static Value)>),
    /// Runs a per-object migration.
    Each(fn(&str, &mut Object) -> Result<(), MigrationError>),
}

/// Why a per-object pass stopped: the index of the step in the pass, and what happened.
enum PassStopped {
    Failed(usize, MigrationError),
    Panicked(usize, String, String),
}

fn run_per_object(nb: &mut NbApi, pass: &[&PlannedStep]) -> Result<(), EngineError> {
    // Per table, in plan order, what each step does there.
    let mut tables: BTreeMap<String, Vec<(usize, ObjectWork)>> = BTreeMap::new();
    for (index, step) in pass.iter().enumerate() {
        let work = match step.work {
            StepWork::Defaults(_) => added_defaults(step).map(|(table, defaults)| (table, ObjectWork::Defaults(defaults))),
            StepWork::Migration { model, migration: MigrationEntry { run: MigrationFn::Each(f), .. } } => {
                let table = model.per_object_table(step.to).map_err(|error| EngineError::Migration { id: step.id.clone(), error })?;
                Some((table.to_owned(), ObjectWork::Each(*f)))
            }
            StepWork::Migration { .. } | StepWork::Create(_) | StepWork::Removal { .. } => None,
        };
        if let Some((table, work)) = work {
            tables.entry(table).or_default().push((index, work));
        }
    }
    for (table, work) in &tables {
        let result = nb.update_each_par(table, |id, object| {
            for (index, work) in work {
                match work {
                    ObjectWork::Defaults(defaults) => df_schema::fields::fill_missing(object, defaults),
                    ObjectWork::Each(f) => match catch_unwind(AssertUnwindSafe(|| f(id, object))) {
                        Ok(Ok(())) => {}
                        Ok(Err(MigrationError::Table { message, .. })) => return Err(PassStopped::Failed(*index, MigrationError::object(table, id, message))),
                        Ok(Err(error)) => return Err(PassStopped::Failed(*index, error)),
                        Err(panic) => return Err(PassStopped::Panicked(*index, panic_message(panic), id.to_owned())),
                    },
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(PassStopped::Failed(index, error)) => return Err(EngineError::Migration { id: pass[index].id.clone(), error }),
            Err(PassStopped::Panicked(index, message, id)) => {
                return Err(EngineError::MigrationPanicked { id: pass[index].id.clone(), message, at: Some((table.clone(), id)) });
            }
        }
    }
    Ok(())
}

/// Whether a step works on one object at a time, and so can share a pass: an automatic
/// step that moves its table takes the two tables whole.
fn per_object(step: &PlannedStep) -> bool {
    match step.work {
        StepWork::Create(_) => true,
        StepWork::Defaults(_) => moved_table(step).is_none(),
        StepWork::Migration { migration, .. } => matches!(migration.run, MigrationFn::Each(_)),
        StepWork::Removal { .. } => false,
    }
}

/// The step's bookkeeping: the model's new version and fingerprint, the migration's
/// checksum, and its log row.
fn record(step: &PlannedStep, state: &mut EngineState, applied_at: &str) -> LogRow {
    if let StepWork::Removal { .. } = step.work {
        state.models.remove(step.model);
    } else {
        let fingerprint = step.history().versions.get(&step.to).map(|r| r.fingerprint.clone()).unwrap_or_default();
        state.models.insert(step.model.to_owned(), ModelState { version: step.to, fingerprint });
    }
    let migration = step.migration();
    state.applied.insert(step.id.clone(), AppliedState { checksum: migration.map(|m| m.checksum.to_owned()) });
    LogRow {
        id: step.id.clone(),
        release: step.release.clone().unwrap_or_default(),
        description: step.description.clone(),
        proposed_at: migration.map_or(applied_at, |m| m.proposed_at).to_owned(),
        applied_at: applied_at.to_owned(),
    }
}

/// An automatic step's work: every added field's recorded default, in the table the new
/// version is stored in. (The history lives as long as the program, so the defaults are
/// lent from it.)
fn added_defaults(step: &PlannedStep) -> Option<(String, Vec<(&'static str, &'static Value)>)> {
    let history = step.history();
    let (old, new) = (history.versions.get(&(step.to - 1))?, history.versions.get(&step.to)?);
    Some((new.schema.table.clone(), new.schema.defaults_added_since(&old.schema)))
}

/// The tables an automatic step moves its model's objects from and to (`renamed_from`
/// alone renames a table), if it does.
fn moved_table(step: &PlannedStep) -> Option<(&'static str, &'static str)> {
    let history = step.history();
    let (old, new) = (history.versions.get(&(step.to.checked_sub(1)?))?, history.versions.get(&step.to)?);
    (old.schema.table != new.schema.table).then_some((old.schema.table.as_str(), new.schema.table.as_str()))
}

/// Runs a step that takes the whole database: a whole-database migration or a removal
/// (on its declared tables alone, if it declared them), or an automatic step that moves
/// its model's table (objects, topics and counter; refusing to overwrite anything) and
/// then fills the recorded defaults.
fn run_whole(nb: &mut NbApi, step: &PlannedStep) -> Result<(), EngineError> {
    if let (StepWork::Defaults(_), Some((from, to))) = (&step.work, moved_table(step)) {
        let failed = |error| EngineError::Migration { id: step.id.clone(), error };
        nb.move_table(from, to).map_err(|error| {
            let advice = format!("the automatic rename moves `{from}` into `{to}`, which must not hold its objects or counter yet: move or delete what `{to}` holds, or write a #[migration] for this step");
            failed(match error {
                MigrationError::Table { table, message } => MigrationError::Table { table, message: format!("{message}; {advice}") },
                other => other,
            })
        })?;
        if let Some((table, defaults)) = added_defaults(step) {
            nb.fill_defaults(&table, &defaults);
        }
        return Ok(());
    }
    let Some(migration) = step.migration() else { return Ok(()) };
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
    use crate::linked::test_build::{self, test_model};
    use df_schema::registry::{MigrationTarget, ModelEntry};

    /// Models `A` (table `a`) and `B` (table `b`) at versions 1 to 4.
    fn models() -> (&'static ModelEntry, &'static ModelEntry) {
        (
            test_model!("A", "a", &[("", &[]), ("", &[]), ("", &[]), ("", &[])]),
            test_model!("B", "b", &[("", &[]), ("", &[]), ("", &[]), ("", &[])]),
        )
    }

    fn migration(id: &'static str, model: &'static str, run: MigrationFn, tables: Option<&'static [&'static str]>) -> &'static MigrationEntry {
        test_build::migration(id, MigrationTarget::Step { model, to: 2 }, "", run, tables)
    }

    fn step(id: &str, model: &'static ModelEntry, to: u32, work: StepWork) -> PlannedStep {
        PlannedStep { id: id.to_owned(), model: model.name, to, release: None, description: String::new(), work }
    }

    fn grouped(steps: &[PlannedStep]) -> Vec<Vec<String>> {
        passes(steps).iter().map(|pass| pass.iter().map(|step| step.id.clone()).collect()).collect()
    }

    #[test]
    fn per_object_steps_share_a_pass_and_cross_only_migrations_of_other_tables() {
        let (a, b) = models();
        let each = migration("b-each", "B", MigrationFn::Each(|_, _| Ok(())), None);
        let declared = migration("b-declared", "B", MigrationFn::Whole(|_| Ok(())), Some(&["b"]));
        let whole = migration("a-whole", "A", MigrationFn::Whole(|_| Ok(())), None);
        let removal = test_build::migration("gone", MigrationTarget::Removes { model: "C", history: a.history }, "", MigrationFn::Whole(|_| Ok(())), None);
        let steps = [
            step("a-new", a, 1, StepWork::Create(a)),
            step("a-auto2", a, 2, StepWork::Defaults(a)),
            step("b-declared", b, 2, StepWork::Migration { model: b, migration: declared }),
            // Table `a` only: joins the first pass, across the migration of table `b`.
            step("a-auto3", a, 3, StepWork::Defaults(a)),
            // Table `b`: after the migration that declared it.
            step("b-auto3", b, 3, StepWork::Defaults(b)),
            step("a-whole", a, 4, StepWork::Migration { model: a, migration: whole }),
            // Nothing crosses a migration that declared no tables, or a removal.
            step("b-each", b, 4, StepWork::Migration { model: b, migration: each }),
            step("gone", a, 0, StepWork::Removal { migration: removal, history: (a.history)() }),
            step("a-auto4", a, 4, StepWork::Defaults(a)),
        ];
        let expected = [vec!["a-new", "a-auto2", "a-auto3"], vec!["b-declared"], vec!["b-auto3"], vec!["a-whole"], vec!["b-each"], vec!["gone"], vec!["a-auto4"]];
        assert_eq!(grouped(&steps), expected);
        assert!(passes(&[]).is_empty());
    }

    #[test]
    fn a_step_whose_table_is_unknown_runs_alone() {
        let (a, _) = models();
        // Versions beyond the recorded history have no table.
        let steps = [step("new", a, 7, StepWork::Create(a)), step("auto", a, 8, StepWork::Defaults(a))];
        assert_eq!(grouped(&steps), [vec!["new"], vec!["auto"]]);
    }

    /// Model `R`, stored in `old` at v1 and in `new` at v2, which adds `kind` with a default.
    fn renamed() -> &'static ModelEntry {
        fn history() -> &'static df_schema::core::ModelHistory {
            static CELL: std::sync::OnceLock<df_schema::core::ModelHistory> = std::sync::OnceLock::new();
            CELL.get_or_init(|| {
                let mut history = test_build::history("old", &[("", &["id"]), ("", &["id", "kind=plain"])]);
                history.versions.get_mut(&2).expect("two versions").schema.table = "new".to_owned();
                history
            })
        }
        test_build::model("R", history)
    }

    #[test]
    fn an_automatic_table_rename_moves_objects_topics_and_counter_then_fills_defaults() {
        let (a, _) = models();
        let r = renamed();
        let steps = [step("a-auto2", a, 2, StepWork::Defaults(a)), step("r-auto2", r, 2, StepWork::Defaults(r)), step("a-auto3", a, 3, StepWork::Defaults(a))];
        // The rename takes its two tables whole; table `a`'s steps still share one pass.
        assert_eq!(grouped(&steps), [vec!["a-auto2", "a-auto3"], vec!["r-auto2"]]);

        let mut nb = NbApi::new();
        let object = |id: &str| serde_json::json!({ "id": id }).as_object().cloned().unwrap();
        nb.put_in_topic("old", "t1", object("o1")).unwrap();
        nb.put_in_topic("old", "", object("o2")).unwrap();
        nb.set_counter("old", 7);
        let mut state = EngineState::default();
        let rows = run_pass(&mut nb, &[&steps[1]], &mut state, "2026-12-02T00:00:00Z").unwrap();
        assert_eq!((nb.len("old"), nb.len("new")), (0, 2));
        assert_eq!(nb.get_stored("new", "o1").unwrap().topic(), "t1");
        assert_eq!(nb.get("new", "o2").unwrap()["kind"], "plain");
        assert_eq!(nb.counter("new"), 7);
        assert_eq!((rows[0].id.as_str(), state.models["R"].version), ("r-auto2", 2));

        // Objects already in the new table are never overwritten: the step fails, naming it.
        let mut nb = NbApi::new();
        nb.put("old", object("o1")).unwrap();
        nb.put("new", object("o1")).unwrap();
        let error = run_pass(&mut nb, &[&steps[1]], &mut EngineState::default(), "").unwrap_err().to_string();
        assert!(error.contains("r-auto2") && error.contains("both hold `o1`"), "{error}");
        assert!(error.contains("move or delete what `new` holds, or write a #[migration] for this step"), "{error}");
    }
}
