//! Dragonflow's history classified for rolling upgrades: the compatibility of each of its
//! 16 steps from 2.0 to 5.0, computed from the lock and the migrations' signatures, is
//! the table the README's "Dragonflow's steps, rolling or not" shows, row for row.

use df_schema::core::compat::{Compatibility, Cover};
use df_schema::core::steps_of;
use df_schema::registry;

// Registrations exist only in linked crates: name the model crate once.
use dragonflow_models as _;

/// The README's heading over the table.
const HEADING: &str = "### Dragonflow's steps, rolling or not";

/// Each step as the table's first four cells: release, step, what carries it out and its
/// compatibility, in release order, then model, then version.
fn computed() -> Vec<[String; 4]> {
    let migrations = registry::by_step(&registry::migrations());
    let mut rows = Vec::new();
    for model in registry::models() {
        let history = (model.history)();
        let created = &history.versions[&1].schema;
        if created.release.as_deref() != Some("2.0") {
            rows.push([created.release.clone().unwrap_or_default(), format!("{} created", model.name), "the framework".into(), "rolling".into()]);
        }
        for step in steps_of(model.name, history, model.version) {
            let cover = migrations.get(&(model.name, step.to)).map_or(Cover::Automatic, |m| m.cover());
            let by = match &cover {
                Cover::Automatic => "the framework".to_owned(),
                Cover::EachObject { migration } => format!("`{migration}` (per object)"),
                Cover::WholeDatabase { migration } => format!("`{migration}` (whole database)"),
            };
            let (old, new) = (&history.versions[&step.from].schema, &history.versions[&step.to].schema);
            let compat = Compatibility::of_step(old, new, (step.from, step.to), &cover);
            let release = new.release.clone().unwrap_or_default();
            rows.push([release, format!("{} v{} → v{}", model.name, step.from, step.to), by, compat.rollout().to_string()]);
        }
    }
    rows.sort_by(|a, b| (&a[0], &a[1]).cmp(&(&b[0], &b[1])));
    rows
}

/// The table's rows as the README has them: their first four cells.
fn documented() -> Vec<[String; 4]> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme.split(HEADING).nth(1).unwrap_or_else(|| panic!("the README has no `{HEADING}`"));
    let rows = section.lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|')).skip(2);
    rows.map(|row| {
        let cells: Vec<String> = row.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect();
        [0, 1, 2, 3].map(|i| cells.get(i).cloned().unwrap_or_default())
    })
    .collect()
}

#[test]
fn the_readme_classifies_every_step_as_the_rules_do() {
    let computed = computed();
    assert_eq!(computed.len(), 16, "Dragonflow's 2.0 → 5.0 upgrade has 16 steps: {computed:#?}");
    assert_eq!(documented(), computed, "the README's table, then the rules' verdicts");
}

#[test]
fn only_the_framework_s_own_steps_run_rolling() {
    let rolling: Vec<String> = computed().into_iter().filter(|row| row[3] == "rolling").map(|row| row[1].clone()).collect();
    assert_eq!(rolling, ["LiveMigration created", "LogicalPort v4 → v5", "LogicalSwitch v3 → v4", "Subnet created"]);
}
