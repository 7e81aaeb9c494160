//! Planning: the ordered list of pending steps, as a pure function of the database's state
//! and the build.
//!
//! Order: a model's steps run in version order. Hand-written migrations (version steps and
//! model removals) run in the order of `proposed_at`, then id. Steps the framework applies
//! by itself (a new model's creation, an automatic version step) run as soon as the
//! model's previous step has run, so that a new table exists before any migration fills
//! it and an automatic step's defaults are in place before the model's next migration.

use df_schema::core::{steps_of, ModelHistory, Step};
use df_schema::registry::{MigrationEntry, MigrationTarget, ModelEntry};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// What a database says it is at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbState {
    /// Each model's version and that version's fingerprint, by model name.
    pub models: BTreeMap<String, DbModel>,
    /// Every applied step, by id.
    pub applied: BTreeMap<String, Applied>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbModel {
    pub version: u32,
    pub fingerprint: String,
}

/// An applied step as the engine recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    /// The checksum of a hand-written migration's code when it was applied.
    pub checksum: Option<String>,
}

/// A model as this build knows it: its recorded history, the head being the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildModel {
    pub name: String,
    pub history: ModelHistory,
}

impl From<&ModelEntry> for BuildModel {
    fn from(entry: &ModelEntry) -> BuildModel {
        BuildModel { name: entry.name.to_owned(), history: (entry.history)().clone() }
    }
}

/// What a hand-written migration migrates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Step { model: String, to: u32 },
    Removes { model: String },
}

/// A hand-written migration as this build knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildMigration {
    pub id: String,
    pub target: Target,
    pub release: String,
    pub proposed_at: String,
    pub description: String,
    pub checksum: String,
}

impl From<&MigrationEntry> for BuildMigration {
    fn from(entry: &MigrationEntry) -> BuildMigration {
        let target = match entry.target {
            MigrationTarget::Step { model, to } => Target::Step { model: model.to_owned(), to },
            MigrationTarget::Removes { model, .. } => Target::Removes { model: model.to_owned() },
        };
        BuildMigration {
            id: entry.id.to_owned(),
            target,
            release: entry.release.to_owned(),
            proposed_at: entry.proposed_at.to_owned(),
            description: entry.description.to_owned(),
            checksum: entry.checksum.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A model the database does not have yet gets its (empty) table.
    NewModel,
    /// A version step that only adds fields with defaults.
    Automatic,
    /// A version step with a `#[migration]`.
    HandWritten,
    /// A model deleted from the code, removed by a `#[migration(removes = …)]`.
    Removal,
}

/// One pending step.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep {
    /// The migration id, or a generated `auto/<Model>/v<N>` for framework steps.
    pub id: String,
    pub kind: StepKind,
    pub model: String,
    /// The version the step leaves the model at (0 for a removal).
    pub to: u32,
    pub release: Option<String>,
    pub description: String,
    /// For hand-written migrations.
    pub proposed_at: Option<String>,
    pub checksum: Option<String>,
}

/// The pending steps, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub steps: Vec<PlannedStep>,
}

/// Why the database and the build disagree; each names what is involved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanProblem {
    /// The database applied a migration this build does not have: it is newer than the code.
    UnknownMigration { id: String },
    /// The database holds a model at a version this build does not have.
    ModelAhead { model: String, database: u32, build: u32 },
    /// The database holds a model this build neither declares nor removes.
    UnknownModel { model: String, version: u32 },
    /// The database's fingerprint for a model version differs from the build's record.
    FingerprintMismatch { model: String, version: u32, database: String, build: String },
    /// An applied migration's code changed since it was applied.
    ChecksumChanged { id: String, database: String, build: String },
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
    pub problems: Vec<PlanProblem>,
}

/// The id of a framework step.
fn auto_id(model: &str, to: u32) -> String {
    format!("auto/{model}/v{to}")
}

/// Plans the pending steps of `db` for `build`. `accepted` lists migration ids whose
/// changed checksum the operator accepts.
pub fn plan(
    db: &DbState,
    models: &[BuildModel],
    migrations: &[BuildMigration],
    accepted: &BTreeSet<String>,
) -> Result<Plan, PlanRefused> {
    let problems = check_consistency(db, models, migrations, accepted);
    let by_step: BTreeMap<(&str, u32), &BuildMigration> = migrations
        .iter()
        .filter_map(|m| match &m.target {
            Target::Step { model, to } => Some(((model.as_str(), *to), m)),
            Target::Removes { .. } => None,
        })
        .collect();

    // Each model's pending steps, in version order.
    let mut queues: BTreeMap<&str, VecDeque<PlannedStep>> = BTreeMap::new();
    for model in models {
        let Some((head, _)) = model.history.latest() else { continue };
        let from = db.models.get(&model.name).map_or(0, |m| m.version);
        let queue = queues.entry(&model.name).or_default();
        if from == 0 {
            queue.push_back(PlannedStep {
                id: auto_id(&model.name, 1),
                kind: StepKind::NewModel,
                model: model.name.clone(),
                to: 1,
                release: model.history.versions[&1].schema.release.clone(),
                description: format!("{} created (table `{}`)", model.name, model.history.versions[&1].schema.table),
                proposed_at: None,
                checksum: None,
            });
        }
        for step in steps_of(&model.name, &model.history, head).into_iter().filter(|s| s.from >= from.max(1)) {
            queue.push_back(version_step(&model.history, &step, by_step.get(&(model.name.as_str(), step.to)).copied()));
        }
    }
    // Removals are queues of one.
    for migration in migrations {
        if let Target::Removes { model } = &migration.target {
            if db.models.contains_key(model) && !db.applied.contains_key(&migration.id) {
                queues.entry(model).or_default().push_back(hand_written(migration, StepKind::Removal, model, 0, None));
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanRefused { problems });
    }
    Ok(Plan { steps: merge(queues) })
}

fn version_step(history: &ModelHistory, step: &Step, migration: Option<&BuildMigration>) -> PlannedStep {
    let release = history.versions[&step.to].schema.release.clone();
    match migration {
        Some(m) => hand_written(m, StepKind::HandWritten, &step.model, step.to, release),
        None => PlannedStep {
            id: auto_id(&step.model, step.to),
            kind: StepKind::Automatic,
            model: step.model.clone(),
            to: step.to,
            release,
            description: format!("{} v{} → v{}: {}", step.model, step.from, step.to, step.summary()),
            proposed_at: None,
            checksum: None,
        },
    }
}

fn hand_written(m: &BuildMigration, kind: StepKind, model: &str, to: u32, release: Option<String>) -> PlannedStep {
    PlannedStep {
        id: m.id.clone(),
        kind,
        model: model.to_owned(),
        to,
        // A version step belongs to the release the lock records for the version; a
        // removal has only the migration's own label.
        release: release.or_else(|| Some(m.release.clone())),
        description: m.description.clone(),
        proposed_at: Some(m.proposed_at.clone()),
        checksum: Some(m.checksum.clone()),
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
    let mut stopped: BTreeSet<String> = BTreeSet::new();
    let steps = plan
        .steps
        .into_iter()
        .filter(|step| {
            let later = step.release.as_deref().is_some_and(|r| release_cmp(r, release).is_gt());
            if later || stopped.contains(&step.model) {
                stopped.insert(step.model.clone());
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
            .find(|(_, q)| q.front().is_some_and(|s| matches!(s.kind, StepKind::NewModel | StepKind::Automatic)))
            .map(|(model, _)| *model);
        let next = framework.or_else(|| {
            queues
                .iter()
                .filter_map(|(model, q)| q.front().map(|s| (s.proposed_at.clone(), s.id.clone(), *model)))
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

fn check_consistency(
    db: &DbState,
    models: &[BuildModel],
    migrations: &[BuildMigration],
    accepted: &BTreeSet<String>,
) -> Vec<PlanProblem> {
    let mut problems = Vec::new();
    let known_auto: BTreeSet<String> = models
        .iter()
        .flat_map(|m| m.history.versions.keys().map(|v| auto_id(&m.name, *v)))
        .collect();
    for (id, applied) in &db.applied {
        match migrations.iter().find(|m| &m.id == id) {
            None if known_auto.contains(id) || id.starts_with("baseline/") => {}
            None => problems.push(PlanProblem::UnknownMigration { id: id.clone() }),
            Some(m) => match &applied.checksum {
                Some(then) if then != &m.checksum && !accepted.contains(id) => problems.push(PlanProblem::ChecksumChanged {
                    id: id.clone(),
                    database: then.clone(),
                    build: m.checksum.clone(),
                }),
                _ => {}
            },
        }
    }
    for (name, state) in &db.models {
        let Some(model) = models.iter().find(|m| &m.name == name) else {
            let removed = migrations.iter().any(|m| matches!(&m.target, Target::Removes { model } if model == name));
            if !removed {
                problems.push(PlanProblem::UnknownModel { model: name.clone(), version: state.version });
            }
            continue;
        };
        match model.history.versions.get(&state.version) {
            None => problems.push(PlanProblem::ModelAhead {
                model: name.clone(),
                database: state.version,
                build: model.history.latest().map_or(0, |(v, _)| v),
            }),
            Some(record) if record.fingerprint != state.fingerprint => problems.push(PlanProblem::FingerprintMismatch {
                model: name.clone(),
                version: state.version,
                database: state.fingerprint.clone(),
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
    use df_schema::core::{Field, Ty, VersionRecord, VersionSchema};
    use serde_json::json;

    /// A model whose versions have the given fields (`name` or `name=default`).
    fn model(name: &str, versions: &[(&str, &[&str])]) -> BuildModel {
        let mut history = ModelHistory::default();
        for (i, (release, fields)) in versions.iter().enumerate() {
            let fields = fields
                .iter()
                .map(|f| {
                    let (name, default) = match f.split_once('=') {
                        Some((n, d)) => (n, Some(json!(d))),
                        None => (*f, None),
                    };
                    Field { name: name.into(), ty: Ty::Str, nullable: false, default }
                })
                .collect();
            let schema = VersionSchema::new(name.to_lowercase(), Some((*release).into()), fields);
            history.versions.insert(i as u32 + 1, VersionRecord::new(schema));
        }
        BuildModel { name: name.into(), history }
    }

    fn migration(id: &str, model: &str, to: u32, proposed_at: &str) -> BuildMigration {
        BuildMigration {
            id: id.into(),
            target: Target::Step { model: model.into(), to },
            release: "x".into(),
            proposed_at: proposed_at.into(),
            description: format!("{id} description"),
            checksum: format!("sum-{id}"),
        }
    }

    fn at(models: &[&BuildModel], versions: &[u32]) -> DbState {
        let mut db = DbState::default();
        for (m, v) in models.iter().zip(versions) {
            let fingerprint = m.history.versions[v].fingerprint.clone();
            db.models.insert(m.name.clone(), DbModel { version: *v, fingerprint });
        }
        db
    }

    fn ids(plan: &Plan) -> Vec<&str> {
        plan.steps.iter().map(|s| s.id.as_str()).collect()
    }

    /// Dragonflow's shape of the problem: LogicalSwitch's 5.0 migration fills the new
    /// Subnet table, and its automatic v4 follows its v3.
    fn switches() -> (BuildModel, BuildModel, Vec<BuildMigration>) {
        let lswitch = model(
            "LogicalSwitch",
            &[("2.0", &["id", "subnets"]), ("3.0", &["id", "subnets", "unique_key"]), ("5.0", &["id", "unique_key"]), ("5.0", &["id", "unique_key", "qos_policy=x"])],
        );
        let subnet = model("Subnet", &[("5.0", &["id"])]);
        let migrations = vec![
            migration("lswitch-subnets", "LogicalSwitch", 3, "2019-01-02T00:00:00Z"),
            migration("lswitch-unique-key", "LogicalSwitch", 2, "2017-01-01T00:00:00Z"),
        ];
        (lswitch, subnet, migrations)
    }

    #[test]
    fn new_tables_exist_before_migrations_and_automatic_steps_follow_their_predecessor() {
        let (lswitch, subnet, migrations) = switches();
        let db = at(&[&lswitch], &[1]);
        let plan = plan(&db, &[lswitch, subnet], &migrations, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&plan), ["auto/Subnet/v1", "lswitch-unique-key", "lswitch-subnets", "auto/LogicalSwitch/v4"]);
        let kinds: Vec<StepKind> = plan.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [StepKind::NewModel, StepKind::HandWritten, StepKind::HandWritten, StepKind::Automatic]);
        assert_eq!(plan.steps[3].release.as_deref(), Some("5.0"));
        assert!(plan.steps[3].description.contains("field `qos_policy` added"), "{}", plan.steps[3].description);
    }

    #[test]
    fn only_pending_steps_and_nothing_when_up_to_date() {
        let (lswitch, subnet, migrations) = switches();
        let db = at(&[&lswitch, &subnet], &[3, 1]);
        let pending = plan(&db, &[lswitch.clone(), subnet.clone()], &migrations, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&pending), ["auto/LogicalSwitch/v4"]);
        let db = at(&[&lswitch, &subnet], &[4, 1]);
        assert_eq!(plan(&db, &[lswitch, subnet], &migrations, &BTreeSet::new()).unwrap(), Plan::default());
    }

    #[test]
    fn hand_written_steps_order_by_date_then_id_but_never_against_version_order() {
        let a = model("A", &[("1", &["id"]), ("2", &["id", "x"]), ("3", &["id", "y"])]);
        let b = model("B", &[("1", &["id"]), ("2", &["id", "z"])]);
        let migrations = vec![
            // A's v3 was proposed before its v2: version order still wins.
            migration("a3", "A", 3, "2017-01-01T00:00:00Z"),
            migration("a2", "A", 2, "2018-01-01T00:00:00Z"),
            migration("b2", "B", 2, "2018-01-01T00:00:00Z"),
        ];
        let db = at(&[&a, &b], &[1, 1]);
        let plan = plan(&db, &[a, b], &migrations, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&plan), ["a2", "a3", "b2"], "a2 and b2 tie on the date; the id decides");
    }

    #[test]
    fn to_release_stops_every_model_at_that_release() {
        let (lswitch, subnet, migrations) = switches();
        let db = at(&[&lswitch], &[1]);
        let full = plan(&db, &[lswitch, subnet], &migrations, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&limit_to_release(full.clone(), "3.0")), ["lswitch-unique-key"]);
        assert_eq!(ids(&limit_to_release(full.clone(), "5.0")), ids(&full));
        assert!(limit_to_release(full, "2.0").steps.is_empty());
        assert!(release_cmp("4.0", "10.0").is_lt());
        assert!(release_cmp("5.0", "5.0").is_eq());
    }

    #[test]
    fn a_fresh_database_gets_every_model_from_its_creation() {
        let (lswitch, subnet, migrations) = switches();
        let plan = plan(&DbState::default(), &[lswitch, subnet], &migrations, &BTreeSet::new()).unwrap();
        assert_eq!(
            ids(&plan),
            ["auto/LogicalSwitch/v1", "auto/Subnet/v1", "lswitch-unique-key", "lswitch-subnets", "auto/LogicalSwitch/v4"]
        );
    }

    #[test]
    fn removals_are_planned_while_the_database_has_the_model() {
        let (lswitch, _, mut migrations) = switches();
        migrations.push(BuildMigration {
            target: Target::Removes { model: "Legacy".into() },
            ..migration("drop-legacy", "Legacy", 0, "2018-06-01T00:00:00Z")
        });
        let mut db = at(&[&lswitch], &[2]);
        db.models.insert("Legacy".into(), DbModel { version: 3, fingerprint: "f".into() });
        let pending = plan(&db, std::slice::from_ref(&lswitch), &migrations, &BTreeSet::new()).unwrap();
        assert_eq!(ids(&pending), ["drop-legacy", "lswitch-subnets", "auto/LogicalSwitch/v4"]);
        assert_eq!(pending.steps[0].kind, StepKind::Removal);
        db.models.remove("Legacy");
        let pending = plan(&db, &[lswitch], &migrations, &BTreeSet::new()).unwrap();
        assert!(!ids(&pending).contains(&"drop-legacy"));
    }

    #[test]
    fn a_database_newer_than_the_build_is_refused_naming_the_cause() {
        let (lswitch, subnet, migrations) = switches();
        let mut db = at(&[&lswitch], &[4]);
        db.models.insert("Subnet".into(), DbModel { version: 2, fingerprint: "f".into() });
        db.models.insert("Router".into(), DbModel { version: 1, fingerprint: "f".into() });
        db.applied.insert("from-the-future".into(), Applied::default());
        db.applied.insert("auto/LogicalSwitch/v4".into(), Applied::default());
        db.applied.insert("baseline/2.0".into(), Applied::default());
        let refused = plan(&db, &[lswitch, subnet], &migrations, &BTreeSet::new()).unwrap_err();
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
        let mut db = at(&[&lswitch], &[2]);
        db.models.get_mut("LogicalSwitch").unwrap().fingerprint = "0000000000000000".into();
        let refused = plan(&db, &[lswitch, subnet], &migrations, &BTreeSet::new()).unwrap_err();
        assert!(matches!(&refused.problems[..], [PlanProblem::FingerprintMismatch { version: 2, .. }]));
    }

    #[test]
    fn changed_migration_code_is_refused_unless_accepted() {
        let (lswitch, subnet, migrations) = switches();
        let mut db = at(&[&lswitch, &subnet], &[2, 1]);
        db.applied.insert("lswitch-unique-key".into(), Applied { checksum: Some("old-sum".into()) });
        let models = [lswitch, subnet];
        let refused = plan(&db, &models, &migrations, &BTreeSet::new()).unwrap_err();
        assert_eq!(
            refused.problems,
            [PlanProblem::ChecksumChanged {
                id: "lswitch-unique-key".into(),
                database: "old-sum".into(),
                build: "sum-lswitch-unique-key".into()
            }]
        );
        let accepted = BTreeSet::from(["lswitch-unique-key".to_owned()]);
        assert_eq!(ids(&plan(&db, &models, &migrations, &accepted).unwrap()), ["lswitch-subnets", "auto/LogicalSwitch/v4"]);
    }
}
