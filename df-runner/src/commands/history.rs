//! `history` and `images`: the audit trail of runs with the migration log, and the
//! pre-upgrade images kept for rollback.

use crate::cli::{Format, ImagesAction, ImagesArgs, Options};
use crate::report::{bytes, table};
use crate::{json, Outcome};
use df_migrations::records::{Action, Run};
use df_migrations::Engine;
use std::io::Write;

/// What became of a run, in a few words.
fn note(run: &Run) -> String {
    let seqs = |seqs: &[u64]| seqs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    match (run.action, &run.rolled_back, &run.image) {
        (Action::Upgrade, Some(rolled_back), _) => format!("rolled back by run {} at {}", rolled_back.by, rolled_back.at),
        (Action::Upgrade, None, Some(image)) => format!("image kept ({})", bytes(image.bytes)),
        (Action::Upgrade, None, None) => "image pruned".to_owned(),
        (Action::Rollback, ..) => format!("undid run {}", seqs(&run.undid)),
        (Action::Prune, ..) => format!("deleted the images of run {}", seqs(&run.undid)),
        (Action::Baseline | Action::Import, ..) => String::new(),
    }
}

pub fn history(global: &Options, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let history = engine.history()?;
    if global.format == Format::Json {
        json::write(out, "history", json::HistoryBody { runs: history.runs, rows: history.log })?;
        return Ok(Outcome::Success);
    }
    let runs = history.runs.iter().map(|run| {
        let by = if run.host.is_empty() { "unknown".to_owned() } else { format!("{} ({})", run.host, run.user) };
        vec![
            run.seq.to_string(),
            run.action.to_string(),
            run.started_at.clone(),
            format!("{:.2}", run.seconds),
            by,
            run.releases.join(", "),
            run.steps.len().to_string(),
            note(run),
        ]
    });
    writeln!(out, "Runs: every commit, who ran it, and what became of it")?;
    table(out, &["RUN", "ACTION", "STARTED", "SECONDS", "BY", "RELEASES", "STEPS", "NOTE"], runs)?;
    writeln!(out, "\nMigration log (schema_migration): the steps the data is at")?;
    let rows = history.log.iter().map(|row| vec![row.id.clone(), row.release.clone(), row.proposed_at.clone(), row.applied_at.clone(), row.description.clone()]);
    table(out, &["ID", "RELEASE", "PROPOSED", "APPLIED", "DESCRIPTION"], rows)?;
    Ok(Outcome::Success)
}

pub fn images(global: &Options, args: &ImagesArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    if let Some(ImagesAction::Prune { keep, dry_run }) = &args.action {
        let keep = keep.unwrap_or(global.keep_images.get());
        let pruned = engine.prune_images(keep, *dry_run)?;
        let seqs: Vec<u64> = pruned.runs.iter().map(|run| run.seq).collect();
        if global.format == Format::Json {
            json::write(out, "images prune", json::PruneBody { database: engine.store().describe(), dry_run: *dry_run, keep, pruned: seqs, bytes: pruned.bytes })?;
        } else if !global.quiet {
            let done = if *dry_run { "would delete (dry run)" } else { "deleted" };
            match seqs.as_slice() {
                [] => writeln!(out, "nothing to prune: at most {keep} upgrades keep images")?,
                seqs => {
                    let runs = seqs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                    writeln!(out, "{done} the images of upgrade run {runs} ({}); they stay in `history` but can no longer be rolled back", bytes(pruned.bytes))?;
                }
            }
        }
        return Ok(Outcome::Success);
    }
    let runs: Vec<Run> = engine.runs()?.into_iter().filter(|run| run.image.is_some()).collect();
    let total = runs.iter().filter_map(|run| run.image.as_ref()).map(|image| image.bytes).sum();
    if global.format == Format::Json {
        let images = runs.iter().filter_map(|run| Some(json::ImageBody::of(run, run.image.as_ref()?))).collect();
        json::write(out, "images", json::ImagesBody { images, bytes: total })?;
        return Ok(Outcome::Success);
    }
    let rows = runs.iter().filter_map(|run| {
        let image = run.image.as_ref()?;
        Some(vec![run.seq.to_string(), run.started_at.clone(), run.releases.join(", "), image.entries.to_string(), bytes(image.bytes)])
    });
    table(out, &["RUN", "STARTED", "RELEASES", "KEYS", "SIZE"], rows)?;
    writeln!(out, "{} images, {} in all; `images prune --keep N` deletes all but the last N", runs.len(), bytes(total))?;
    Ok(Outcome::Success)
}
