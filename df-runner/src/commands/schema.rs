//! `schema` and `schema diff`: what this build knows, read from the registry and the
//! recorded histories; no database is involved.

use crate::cli::{DiffArgs, Format};
use crate::json;
use crate::refusal::Refusal;
use df_schema::core::{diff as diff_schemas, steps_of, Step};
use df_schema::registry::{self, MigrationTarget, ModelEntry};
use std::collections::BTreeMap;
use std::io::Write;

/// The hand-written migration of each covered step, by (model, version).
fn hand_written() -> BTreeMap<(&'static str, u32), &'static str> {
    registry::migrations()
        .into_iter()
        .filter_map(|m| match m.target {
            MigrationTarget::Step { model, to } => Some(((model, to), m.id)),
            MigrationTarget::Removes { .. } => None,
        })
        .collect()
}

fn steps(model: &ModelEntry) -> Vec<Step> {
    steps_of(model.name, (model.history)(), model.version)
}

fn kind(step: &Step, migration: Option<&str>) -> String {
    match migration {
        Some(id) => format!("hand-written ({id})"),
        None if step.is_automatic() => "automatic".to_owned(),
        // The compile-time checks make this unreachable for a build that compiled.
        None => "missing migration".to_owned(),
    }
}

pub fn list(format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let models = registry::models();
    let migrations = hand_written();
    let migration_for = |step: &Step| migrations.get(&(step.model.as_str(), step.to)).copied();
    let release = |model: &ModelEntry, step: &Step| (model.history)().versions[&step.to].schema.release.clone();
    if format == Format::Json {
        let models = models
            .iter()
            .map(|m| json::ModelBody {
                model: m.name.to_owned(),
                table: m.table.to_owned(),
                version: m.version,
                fingerprint: m.fingerprint.to_owned(),
                steps: steps(m)
                    .iter()
                    .map(|s| json::SchemaStep {
                        from: s.from,
                        to: s.to,
                        release: release(m, s),
                        automatic: migration_for(s).is_none() && s.is_automatic(),
                        migration: migration_for(s).map(str::to_owned),
                        changes: s.changes.iter().map(Into::into).collect(),
                    })
                    .collect(),
            })
            .collect();
        return json::write(out, "schema", json::SchemaBody { models });
    }
    if models.is_empty() {
        writeln!(out, "this build has no models: name your model crate in the runner's main (`use my_models as _;`)")?;
        return Ok(());
    }
    writeln!(out, "{:<16} {:<14} {:>7}  {:<16}", "MODEL", "TABLE", "VERSION", "FINGERPRINT")?;
    for model in &models {
        writeln!(out, "{:<16} {:<14} {:>7}  {:<16}", model.name, model.table, model.version, model.fingerprint)?;
        for step in steps(model) {
            let release = release(model, &step).unwrap_or_default();
            writeln!(out, "    v{} → v{} {:<5} {}: {}", step.from, step.to, release, kind(&step, migration_for(&step)), step.summary())?;
        }
    }
    Ok(())
}

pub fn diff(args: &DiffArgs, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let models = registry::models();
    let Some(model) = models.iter().find(|m| m.name == args.model) else {
        let known = models.iter().map(|m| m.name).collect::<Vec<_>>().join(", ");
        return Err(Refusal::NoSuchModel { model: args.model.clone(), known }.into());
    };
    let history = (model.history)();
    let version = |v: u32| {
        history.versions.get(&v).ok_or_else(|| Refusal::NoSuchVersion { model: model.name.to_owned(), version: v, head: model.version })
    };
    let (old, new) = (version(args.from)?, version(args.to)?);
    let changes = diff_schemas(&old.schema, &new.schema, true);
    if format == Format::Json {
        let body = json::DiffBody { model: model.name.to_owned(), from: args.from, to: args.to, changes: changes.iter().map(Into::into).collect() };
        return json::write(out, "schema diff", body);
    }
    writeln!(out, "{} v{} → v{}", model.name, args.from, args.to)?;
    if changes.is_empty() {
        writeln!(out, "  no changes")?;
    }
    for change in changes {
        writeln!(out, "  - {change}")?;
    }
    Ok(())
}
