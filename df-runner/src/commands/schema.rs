//! `schema` and `schema diff`: what this build knows, read from the registry and the
//! recorded histories; no database is involved.

use crate::cli::{DiffArgs, Format};
use anyhow::{bail, Context};
use df_schema::core::{diff as diff_schemas, steps_of, Step};
use df_schema::registry::{self, MigrationTarget, ModelEntry};
use serde_json::json;
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
    if format == Format::Json {
        let report: Vec<_> = models
            .iter()
            .map(|m| {
                let steps: Vec<_> = steps(m)
                    .iter()
                    .map(|s| {
                        json!({
                            "from": s.from, "to": s.to, "automatic": migration_for(s).is_none() && s.is_automatic(),
                            "migration": migration_for(s), "changes": s.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({"model": m.name, "table": m.table, "version": m.version, "fingerprint": m.fingerprint, "steps": steps})
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    if models.is_empty() {
        writeln!(out, "this build has no models: name your model crate in the runner's main (`use my_models as _;`)")?;
        return Ok(());
    }
    writeln!(out, "{:<16} {:<14} {:>7}  {:<16}", "MODEL", "TABLE", "VERSION", "FINGERPRINT")?;
    for model in &models {
        writeln!(out, "{:<16} {:<14} {:>7}  {:<16}", model.name, model.table, model.version, model.fingerprint)?;
        for step in steps(model) {
            let release = (model.history)().versions[&step.to].schema.release.clone().unwrap_or_default();
            writeln!(out, "    v{} → v{} {:<5} {}: {}", step.from, step.to, release, kind(&step, migration_for(&step)), step.summary())?;
        }
    }
    Ok(())
}

pub fn diff(args: &DiffArgs, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let models = registry::models();
    let Some(model) = models.iter().find(|m| m.name == args.model) else {
        let known: Vec<&str> = models.iter().map(|m| m.name).collect();
        bail!("this build has no model `{}`; it has: {}", args.model, known.join(", "));
    };
    let history = (model.history)();
    let version = |v: u32| {
        history.versions.get(&v).with_context(|| {
            format!("{} has no recorded version {v}; it has versions 1 to {}", model.name, model.version)
        })
    };
    let (old, new) = (version(args.from)?, version(args.to)?);
    let changes = diff_schemas(&old.schema, &new.schema, true);
    if format == Format::Json {
        let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
        let report = json!({"model": model.name, "from": args.from, "to": args.to, "changes": changes});
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
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
