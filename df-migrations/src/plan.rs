//! Planning: the ordered list of pending steps, as a pure function of the database's state
//! and the build.
//!
//! Order: a model's steps run in version order. Hand-written migrations (version steps and
//! model removals) run in the order of `proposed_at`, then id. Steps the framework applies
//! by itself (a new model's creation, an automatic version step) run as soon as the
//! model's previous step has run, so that a new table exists before any migration fills
//! it and an automatic step's defaults are in place before the model's next migration.

use crate::linked::Build;
use crate::records::EngineState;
use df_schema::core::compat::{Compatibility, Cover};
use df_schema::core::{steps_of, ModelHistory, Step};
use df_schema::registry::{self, MigrationEntry, MigrationTarget, ModelEntry};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// What kind of step a planned step is, as reports and the log show it.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StepKind {
    /// A model the database does not have yet gets its (empty) table.
    #[serde(rename = "new_model")]
    NewModel,
    /// A version step that only adds fields with defaults.
    #[serde(rename = "automatic")]
    Automatic,
    /// A version step with a `#[migration]`.
    #[serde(rename = "hand_written")]
    HandWritten,
    /// A model deleted from the code, removed by a `#[migration(removes = …)]`.
    #[serde(rename = "removal")]
    Removal,
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StepKind::NewModel => "new model",
            StepKind::Automatic => "automatic",
            StepKind::HandWritten => "hand-written",
            StepKind::Removal => "removal",
        })
    }
}

/// What running a step takes: the registry entries it runs, as the plan found them, so
/// that nothing is looked up again by id.
#[derive(Debug, Clone, Copy)]
pub enum StepWork {
    /// Creating a model's table (nothing to write until objects exist).
    Create(&'static ModelEntry),
    /// Filling the recorded defaults of the fields a version added.
    Defaults(&'static ModelEntry),
    /// A hand-written migration of a model's version step.
    Migration {
        /// The model it migrates.
        model: &'static ModelEntry,
        /// The migration.
        migration: &'static MigrationEntry,
    },
    /// A hand-written removal of a model the build no longer declares.
    Removal {
        /// The removal migration.
        migration: &'static MigrationEntry,
        /// The removed model's recorded history.
        history: &'static ModelHistory,
    },
}

/// One pending step.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// The migration id, or a generated `auto/<Model>/v<N>` for framework steps.
    pub id: String,
    /// The model the step changes.
    pub model: &'static str,
    /// The version the step leaves the model at (0 for a removal).
    pub to: u32,
    /// The release the step belongs to, if the lock or the migration names one.
    pub release: Option<String>,
    /// What the step does, for people.
    pub description: String,
    /// What running it takes.
    pub work: StepWork,
}

impl PlannedStep {
    /// The step's kind.
    pub fn kind(&self) -> StepKind {
        match self.work {
            StepWork::Create(_) => StepKind::NewModel,
            StepWork::Defaults(_) => StepKind::Automatic,
            StepWork::Migration { .. } => StepKind::HandWritten,
            StepWork::Removal { .. } => StepKind::Removal,
        }
    }

    /// The hand-written migration the step runs, if it runs one.
    pub fn migration(&self) -> Option<&'static MigrationEntry> {
        match self.work {
            StepWork::Migration { migration, .. } | StepWork::Removal { migration, .. } => Some(migration),
            StepWork::Create(_) | StepWork::Defaults(_) => None,
        }
    }

    /// Whether code at the step's two versions can run side by side over the same data
    /// while it runs (see `df_schema::core::compat`): a pure function of the lock and of
    /// the migration's signature, both fixed when the build was compiled.
    pub fn compatibility(&self) -> Compatibility {
        let model = match self.work {
            StepWork::Create(_) => return Compatibility::default(),
            StepWork::Removal { .. } => return Compatibility::of_removal(self.model, &self.cover()),
            StepWork::Defaults(model) | StepWork::Migration { model, .. } => model,
        };
        let history = (model.history)();
        let (Some((&from, old)), Some(new)) = (history.versions.range(..self.to).next_back(), history.versions.get(&self.to)) else {
            // Plans only hold steps between recorded versions; judge anything else offline.
            let reason = format!("the lock does not record both versions of {}'s step to v{}", self.model, self.to);
            return Compatibility { new_reads_old: vec![reason.clone()], old_reads_new: vec![reason] };
        };
        Compatibility::of_step(&old.schema, &new.schema, (from, self.to), &self.cover())
    }

    /// What carries the step out, to the compatibility rules.
    pub fn cover(&self) -> Cover {
        match self.migration() {
            Some(migration) => migration.cover(),
            None => Cover::Automatic,
        }
    }

    /// The history of the step's model as the lock records it.
    pub fn history(&self) -> &'static ModelHistory {
        match self.work {
            StepWork::Create(model) | StepWork::Defaults(model) | StepWork::Migration { model, .. } => (model.history)(),
            StepWork::Removal { history, .. } => history,
        }
    }
}

/// The pending steps, in order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The steps, in the order they run.
    pub steps: Vec<PlannedStep>,
}

/// Why the database and the build disagree; each names what is involved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanProblem {
    /// The database applied a migration this build does not have: it is newer than the code.
    UnknownMigration {
        /// The migration's id.
        id: String,
    },
    /// The database holds a model at a version this build does not have.
    ModelAhead {
        /// The model.
        model: String,
        /// Its version in the database.
        database: u32,
        /// The latest version this build knows.
        build: u32,
    },
    /// The database holds a model this build neither declares nor removes.
    UnknownModel {
        /// The model.
        model: String,
        /// Its version in the database.
        version: u32,
    },
    /// The database's fingerprint for a model version differs from the build's record.
    FingerprintMismatch {
        /// The model.
        model: String,
        /// The version both record.
        version: u32,
        /// The database's fingerprint.
        database: String,
        /// The build's fingerprint.
        build: String,
    },
    /// An applied migration's code changed since it was applied.
    ChecksumChanged {
        /// The migration's id.
        id: String,
        /// The checksum recorded when it was applied.
        database: String,
        /// The checksum of the build's code.
        build: String,
    },
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanProblem::UnknownMigration { id } => write!(
                f,
                "the database applied migration `{id}`, which this build does not have: the database is newer than this build; run a build that has it"
            ),
            PlanProblem::ModelAhead { model, database, build } => write!(
                f,
                "the database holds {model} at v{database}, this build only knows up to v{build}: the database is newer than this build"
            ),
            PlanProblem::UnknownModel { model, version } => write!(
                f,
                "the database holds {model} (v{version}), which this build neither declares nor removes"
            ),
            PlanProblem::FingerprintMismatch { model, version, database, build } => write!(
                f,
                "the database records {model} v{version} with fingerprint {database}, this build records {build}: \
                 the two histories of v{version} differ (was a deployed version re-recorded?)"
            ),
            PlanProblem::ChecksumChanged { id, database, build } => write!(
                f,
                "migration `{id}` changed after it was applied (checksum {database} then, {build} now); if the \
                 change is harmless, accept it explicitly (it is recorded in the log)"
            ),
        }
    }
}

/// The plan was refused; every problem is listed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the database and this build disagree:\n- {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n- "))]
pub struct PlanRefused {
    /// Every disagreement found.
    pub problems: Vec<PlanProblem>,
}

/// The id of a framework step.
fn auto_id(model: &str, to: u32) -> String {
    format!("auto/{model}/v{to}")
}

/// Plans the pending steps of a database in `state` (the default state for one without
/// df-schema's records) for `build`. `accepted` lists migration ids whose changed
/// checksum the operator accepts.
pub fn plan(state: &EngineState, build: &Build, accepted: &BTreeSet<String>) -> Result<Plan, PlanRefused> {
    let problems = check_consistency(state, build, accepted);
    let by_step = registry::by_step(&build.migrations);

    // Each model's pending steps, in version order.
    let mut queues: BTreeMap<&str, VecDeque<PlannedStep>> = BTreeMap::new();
    for &model in &build.models {
        let history = (model.history)();
        let Some((head, _)) = history.latest() else { continue };
        let from = state.models.get(model.name).map_or(0, |m| m.version);
        let queue = queues.entry(model.name).or_default();
        if let (0, Some(first)) = (from, history.versions.get(&1)) {
            queue.push_back(PlannedStep {
                id: auto_id(model.name, 1),
                model: model.name,
                to: 1,
                release: first.schema.release.clone(),
                description: format!("{} created (table `{}`)", model.name, first.schema.table),
                work: StepWork::Create(model),
            });
        }
        for step in steps_of(model.name, history, head).into_iter().filter(|s| s.from >= from.max(1)) {
            queue.push_back(version_step(model, &step, by_step.get(&(model.name, step.to)).copied()));
        }
    }
    // Removals are queues of one.
    for &migration in &build.migrations {
        if let MigrationTarget::Removes { model, history } = migration.target {
            if state.models.contains_key(model) && !state.applied.contains_key(migration.id) {
                let step = PlannedStep {
                    id: migration.id.to_owned(),
                    model,
                    to: 0,
                    // A removal has only the migration's own label.
                    release: Some(migration.release.to_owned()),
                    description: migration.description.to_owned(),
                    work: StepWork::Removal { migration, history: history() },
                };
                queues.entry(model).or_default().push_back(step);
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanRefused { problems });
    }
    Ok(Plan { steps: merge(queues) })
}

fn version_step(model: &'static ModelEntry, step: &Step, migration: Option<&'static MigrationEntry>) -> PlannedStep {
    // A version step belongs to the release the lock records for the version, else to
    // its migration's.
    let release = (model.history)().versions.get(&step.to).and_then(|v| v.schema.release.clone());
    match migration {
        Some(migration) => PlannedStep {
            id: migration.id.to_owned(),
            model: model.name,
            to: step.to,
            release: release.or_else(|| Some(migration.release.to_owned())),
            description: migration.description.to_owned(),
            work: StepWork::Migration { model, migration },
        },
        None => PlannedStep {
            id: auto_id(model.name, step.to),
            model: model.name,
            to: step.to,
            release,
            description: format!("{} v{} → v{}: {}", step.model, step.from, step.to, step.summary()),
            work: StepWork::Defaults(model),
        },
    }
}

/// Orders release labels: numerically by dot-separated parts where both are numbers
/// (`"4.0" < "10.0"`), as text otherwise.
pub fn release_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |r: &str| r.split('.').map(|p| p.parse::<u64>().map_err(|_| p.to_owned())).collect::<Vec<_>>();
    parts(a).cmp(&parts(b))
}

/// The steps of `plan` up to and including `release`: a step of a later release is left
/// out, and so is every later step of its model, so that a model's steps stay in order.
pub fn limit_to_release(plan: Plan, release: &str) -> Plan {
    let mut stopped: BTreeSet<&str> = BTreeSet::new();
    let steps = plan
        .steps
        .into_iter()
        .filter(|step| {
            let later = step.release.as_deref().is_some_and(|r| release_cmp(r, release).is_gt());
            if later || stopped.contains(step.model) {
                stopped.insert(step.model);
                return false;
            }
            true
        })
        .collect();
    Plan { steps }
}

/// Merges the per-model queues: framework steps as soon as they are at the head of their
/// queue (by model name, for a stable order), otherwise the head hand-written step with
/// the earliest `(proposed_at, id)`.
fn merge(mut queues: BTreeMap<&str, VecDeque<PlannedStep>>) -> Vec<PlannedStep> {
    let mut out = Vec::new();
    loop {
        let framework = queues
            .iter()
            .find(|(_, q)| q.front().is_some_and(|s| s.migration().is_none()))
            .map(|(model, _)| *model);
        let next = framework.or_else(|| {
            queues
                .iter()
                .filter_map(|(model, q)| q.front().map(|s| (s.migration().map(|m| m.proposed_at), s.id.as_str(), *model)))
                .min()
                .map(|(_, _, model)| model)
        });
        let Some(model) = next else { return out };
        let queue = queues.get_mut(model).expect("picked from the map");
        out.extend(queue.pop_front());
        if queue.is_empty() {
            queues.remove(model);
        }
    }
}

/// The applied hand-written migrations whose code changed since: each id with its
/// checksum then (as `state` records it) and now (this build's).
pub fn changed_migrations<'a>(state: &'a EngineState, build: &'a Build) -> impl Iterator<Item = (&'a str, &'a str, &'static str)> + 'a {
    state.applied.iter().filter_map(|(id, applied)| {
        let migration = build.migration(id)?;
        let then = applied.checksum.as_deref()?;
        (then != migration.checksum).then_some((id.as_str(), then, migration.checksum))
    })
}

fn check_consistency(state: &EngineState, build: &Build, accepted: &BTreeSet<String>) -> Vec<PlanProblem> {
    let mut problems = Vec::new();
    // Framework steps of every model the lock has recorded, removed ones included.
    let known_auto: BTreeSet<String> =
        build.histories().flat_map(|(name, history)| history.versions.keys().map(move |v| auto_id(name, *v))).collect();
    for id in state.applied.keys() {
        if build.migration(id).is_none() && !known_auto.contains(id) && !id.starts_with("baseline/") {
            problems.push(PlanProblem::UnknownMigration { id: id.clone() });
        }
    }
    for (id, database, build) in changed_migrations(state, build) {
        if !accepted.contains(id) {
            problems.push(PlanProblem::ChecksumChanged { id: id.to_owned(), database: database.to_owned(), build: build.to_owned() });
        }
    }
    for (name, at) in &state.models {
        let Some(model) = build.model(name) else {
            if !build.removed().any(|(removed, _)| removed == name) {
                problems.push(PlanProblem::UnknownModel { model: name.clone(), version: at.version });
            }
            continue;
        };
        let history = (model.history)();
        match history.versions.get(&at.version) {
            None => problems.push(PlanProblem::ModelAhead {
                model: name.clone(),
                database: at.version,
                build: history.latest().map_or(0, |(v, _)| v),
            }),
            Some(record) if record.fingerprint != at.fingerprint => problems.push(PlanProblem::FingerprintMismatch {
                model: name.clone(),
                version: at.version,
                database: at.fingerprint.clone(),
                build: record.fingerprint.clone(),
            }),
            Some(_) => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linked::test_build::{self, test_model};
    use crate::records::{AppliedState, ModelState};
    use df_schema::registry::MigrationFn;
    use df_schema::KeyLayout;

    fn build(models: Vec<&'static ModelEntry>, migrations: Vec<&'static MigrationEntry>) -> Build {
        Build { models, migrations, layout: KeyLayout::Dragonflow }
    }

    fn at(models: &[(&'static ModelEntry, u32)]) -> EngineState {
        let mut state = EngineState::default();
        for (m, v) in models {
            let fingerprint = (m.history)().versions[v].fingerprint.clone();
            state.models.insert(m.name.to_owned(), ModelState { version: *v, fingerprint });
        }
        state
    }

    fn ids(plan: &Plan) -> Vec<&str> {
        plan.steps.iter().map(|s| s.id.as_str()).collect()
    }

    /// Dragonflow's shape of the problem: `LogicalSwitch`'s 5.0 migration fills the new
    /// Subnet table, and its automatic v4 follows its v3.
    fn switches() -> (&'static ModelEntry, &'static ModelEntry, Vec<&'static MigrationEntry>) {
        let lswitch = test_model!(
            "LogicalSwitch",
            "lswitch",
            &[("2.0", &["id", "subnets"]), ("3.0", &["id", "subnets", "unique_key"]), ("5.0", &["id", "unique_key"]), ("5.0", &["id", "unique_key", "qos_policy=x"])]
        );
        let subnet = test_model!("Subnet", "subnet", &[("5.0", &["id"])]);
        let migrations = vec![
            test_build::step("lswitch-subnets", "LogicalSwitch", 3, "2019-01-02T00:00:00Z"),
            test_build::step("lswitch-unique-key", "LogicalSwitch", 2, "2017-01-01T00:00:00Z"),
        ];
        (lswitch, subnet, migrations)
    }

    #[test]
    fn new_tables_exist_before_migrations_and_automatic_steps_follow_their_predecessor() {
        let (lswitch, subnet, migrations) = switches();
        let plan = plan(&at(&[(lswitch, 1)]), &build(vec![lswitch, subnet], migrations), &BTreeSet::new()).unwrap();
        assert_eq!(ids(&plan), ["auto/Subnet/v1", "lswitch-unique-key", "lswitch-subnets", "auto/LogicalSwitch/v4"]);
        let kinds: Vec<StepKind> = plan.steps.iter().map(PlannedStep::kind).collect();
        assert_eq!(kinds, [StepKind::NewModel, StepKind::HandWritten, StepKind::HandWritten, StepKind::Automatic]);
        assert!(matches!(plan.steps[1].work, StepWork::Migration { model, migration } if model.name == "LogicalSwitch" && migration.id == "lswitch-unique-key"));
        assert_eq!(plan.steps[3].release.as_deref(), Some("5.0"));
        assert!(plan.steps[3].description.contains("field `qos_policy` added"), "{}", plan.steps[3].description);
    }

    #[test]
    fn only_pending_steps_and_nothing_when_up_to_date() {
        let (lswitch, subnet, migrations) = switches();
        let build = build(vec![lswitch, subnet], migrations);
        let pending = plan(&at(&[(lswitch, 3), (subnet, 1)]), &build, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&pending), ["auto/LogicalSwitch/v4"]);
        assert!(plan(&at(&[(lswitch, 4), (subnet, 1)]), &build, &BTreeSet::new()).unwrap().steps.is_empty());
    }

    #[test]
    fn hand_written_steps_order_by_date_then_id_but_never_against_version_order() {
        let a = test_model!("A", "a", &[("1", &["id"]), ("2", &["id", "x"]), ("3", &["id", "y"])]);
        let b = test_model!("B", "b", &[("1", &["id"]), ("2", &["id", "z"])]);
        let migrations = vec![
            // A's v3 was proposed before its v2: version order still wins.
            test_build::step("a3", "A", 3, "2017-01-01T00:00:00Z"),
            test_build::step("a2", "A", 2, "2018-01-01T00:00:00Z"),
            test_build::step("b2", "B", 2, "2018-01-01T00:00:00Z"),
        ];
        let plan = plan(&at(&[(a, 1), (b, 1)]), &build(vec![a, b], migrations), &BTreeSet::new()).unwrap();
        assert_eq!(ids(&plan), ["a2", "a3", "b2"], "a2 and b2 tie on the date; the id decides");
    }

    #[test]
    fn to_release_stops_every_model_at_that_release() {
        let (lswitch, subnet, migrations) = switches();
        let full = plan(&at(&[(lswitch, 1)]), &build(vec![lswitch, subnet], migrations), &BTreeSet::new()).unwrap();
        assert_eq!(ids(&limit_to_release(full.clone(), "3.0")), ["lswitch-unique-key"]);
        assert_eq!(ids(&limit_to_release(full.clone(), "5.0")), ids(&full));
        assert!(limit_to_release(full, "2.0").steps.is_empty());
        assert!(release_cmp("4.0", "10.0").is_lt());
        assert!(release_cmp("5.0", "5.0").is_eq());
    }

    #[test]
    fn a_fresh_database_gets_every_model_from_its_creation() {
        let (lswitch, subnet, migrations) = switches();
        let plan = plan(&EngineState::default(), &build(vec![lswitch, subnet], migrations), &BTreeSet::new()).unwrap();
        assert_eq!(
            ids(&plan),
            ["auto/LogicalSwitch/v1", "auto/Subnet/v1", "lswitch-unique-key", "lswitch-subnets", "auto/LogicalSwitch/v4"]
        );
    }

    fn legacy_removal() -> &'static MigrationEntry {
        fn history() -> &'static ModelHistory {
            static CELL: std::sync::OnceLock<ModelHistory> = std::sync::OnceLock::new();
            CELL.get_or_init(|| test_build::history("legacy", &[("1", &["id"]), ("2", &["id", "a"]), ("3", &["id", "b"])]))
        }
        let target = MigrationTarget::Removes { model: "Legacy", history };
        test_build::migration("drop-legacy", target, "2018-06-01T00:00:00Z", MigrationFn::Whole(|_| Ok(())), None)
    }

    #[test]
    fn removals_are_planned_while_the_database_has_the_model() {
        let (lswitch, _, mut migrations) = switches();
        migrations.push(legacy_removal());
        let build = build(vec![lswitch], migrations);
        let mut state = at(&[(lswitch, 2)]);
        state.models.insert("Legacy".into(), ModelState { version: 3, fingerprint: "f".into() });
        let pending = plan(&state, &build, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&pending), ["drop-legacy", "lswitch-subnets", "auto/LogicalSwitch/v4"]);
        assert_eq!(pending.steps[0].kind(), StepKind::Removal);
        assert_eq!(pending.steps[0].history().versions.len(), 3, "the removed model's recorded history");
        state.models.remove("Legacy");
        // The framework created the removed model once: its creation step is known.
        state.applied.insert("auto/Legacy/v1".into(), AppliedState::default());
        state.applied.insert("drop-legacy".into(), AppliedState { checksum: Some("sum-drop-legacy".into()) });
        let pending = plan(&state, &build, &BTreeSet::new()).unwrap();
        assert!(!ids(&pending).contains(&"drop-legacy"));
    }

    #[test]
    fn a_database_newer_than_the_build_is_refused_naming_the_cause() {
        let (lswitch, subnet, migrations) = switches();
        let mut state = at(&[(lswitch, 4)]);
        state.models.insert("Subnet".into(), ModelState { version: 2, fingerprint: "f".into() });
        state.models.insert("Router".into(), ModelState { version: 1, fingerprint: "f".into() });
        state.applied.insert("from-the-future".into(), AppliedState::default());
        state.applied.insert("auto/LogicalSwitch/v4".into(), AppliedState::default());
        state.applied.insert("baseline/2.0".into(), AppliedState::default());
        let refused = plan(&state, &build(vec![lswitch, subnet], migrations), &BTreeSet::new()).unwrap_err();
        assert_eq!(
            refused.problems,
            [
                PlanProblem::UnknownMigration { id: "from-the-future".into() },
                PlanProblem::UnknownModel { model: "Router".into(), version: 1 },
                PlanProblem::ModelAhead { model: "Subnet".into(), database: 2, build: 1 },
            ]
        );
        assert!(refused.to_string().contains("the database is newer than this build"));
    }

    #[test]
    fn a_different_history_of_the_same_version_is_refused() {
        let (lswitch, subnet, migrations) = switches();
        let mut state = at(&[(lswitch, 2)]);
        state.models.get_mut("LogicalSwitch").unwrap().fingerprint = "0000000000000000".into();
        let refused = plan(&state, &build(vec![lswitch, subnet], migrations), &BTreeSet::new()).unwrap_err();
        assert!(matches!(&refused.problems[..], [PlanProblem::FingerprintMismatch { version: 2, .. }]));
    }

    #[test]
    fn changed_migration_code_is_refused_unless_accepted() {
        let (lswitch, subnet, migrations) = switches();
        let build = build(vec![lswitch, subnet], migrations);
        let mut state = at(&[(lswitch, 2), (subnet, 1)]);
        state.applied.insert("lswitch-unique-key".into(), AppliedState { checksum: Some("old-sum".into()) });
        let refused = plan(&state, &build, &BTreeSet::new()).unwrap_err();
        assert_eq!(
            refused.problems,
            [PlanProblem::ChecksumChanged {
                id: "lswitch-unique-key".into(),
                database: "old-sum".into(),
                build: "sum-lswitch-unique-key".into()
            }]
        );
        let accepted = BTreeSet::from(["lswitch-unique-key".to_owned()]);
        assert_eq!(ids(&plan(&state, &build, &accepted).unwrap()), ["lswitch-subnets", "auto/LogicalSwitch/v4"]);
    }
}
