//! `schema` and `schema diff`: what this build knows, read from the registry and the
//! recorded histories; no database is involved.

use crate::cli::{DiffArgs, Format};
use crate::json;
use crate::refusal::Refusal;
use df_schema::core::compat::{Compatibility, Cover};
use df_schema::core::{diff as diff_schemas, steps_of, Step};
use df_schema::registry::{self, MigrationEntry, ModelEntry};
use std::collections::BTreeMap;
use std::io::Write;

/// The model's steps up to the version this build holds.
fn steps(model: &ModelEntry) -> Vec<Step> {
    steps_of(model.name, (model.history)(), model.version)
}

fn kind(step: &Step, migration: Option<&MigrationEntry>) -> String {
    match migration {
        Some(m) => format!("hand-written ({})", m.id),
        None if step.is_automatic() => "automatic".to_owned(),
        // The compile-time checks make this unreachable for a build that compiled.
        None => "missing migration".to_owned(),
    }
}

/// The compatibility of the versions `from` and `to` of `model`, through every step
/// between them and the migrations that carry those steps out.
fn compatibility(model: &ModelEntry, (from, to): (u32, u32), migrations: &BTreeMap<(&'static str, u32), &'static MigrationEntry>) -> Compatibility {
    let versions = &(model.history)().versions;
    let shapes = Compatibility::of_shapes(&versions[&from].schema, &versions[&to].schema, (from, to));
    let (low, high) = (from.min(to), from.max(to));
    let steps = steps_of(model.name, (model.history)(), high).into_iter().filter(|s| s.from >= low);
    steps.fold(shapes, |compat, step| {
        let cover = migrations.get(&(model.name, step.to)).map_or(Cover::Automatic, |m| m.cover());
        compat.covered_by(&cover, (step.from, step.to))
    })
}

/// The compatibility as text lines under a step, indented by `indent`.
fn write_compatibility(out: &mut dyn Write, compat: &Compatibility, indent: &str) -> std::io::Result<()> {
    writeln!(out, "{indent}{}", compat.rollout())?;
    for reason in compat.reasons() {
        writeln!(out, "{indent}  - {reason}")?;
    }
    Ok(())
}

pub fn list(format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let models = registry::models();
    let migrations = registry::by_step(&registry::migrations());
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
                    .map(|s| {
                        let compat = compatibility(m, (s.from, s.to), &migrations);
                        json::SchemaStep {
                            from: s.from,
                            to: s.to,
                            release: release(m, s),
                            automatic: migration_for(s).is_none() && s.is_automatic(),
                            migration: migration_for(s).map(|m| m.id.to_owned()),
                            changes: s.changes.iter().map(Into::into).collect(),
                            rollout: compat.rollout().into(),
                            compatibility_reasons: compat.reasons(),
                        }
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
            write_compatibility(out, &compatibility(model, (step.from, step.to), &migrations), "        ")?;
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
    let compat = compatibility(model, (args.from, args.to), &registry::by_step(&registry::migrations()));
    if format == Format::Json {
        let body = json::DiffBody {
            model: model.name.to_owned(),
            from: args.from,
            to: args.to,
            changes: changes.iter().map(Into::into).collect(),
            rollout: compat.rollout().into(),
            compatibility_reasons: compat.reasons(),
        };
        return json::write(out, "schema diff", body);
    }
    writeln!(out, "{} v{} → v{}", model.name, args.from, args.to)?;
    if changes.is_empty() {
        writeln!(out, "  no changes")?;
    }
    for change in changes {
        writeln!(out, "  - {change}")?;
    }
    write!(out, "compatibility: ")?;
    write_compatibility(out, &compat, "")?;
    Ok(())
}
