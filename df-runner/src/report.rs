//! Reports as text for people (`json` has the documents for scripts).

use df_migrations::{Report, ReportStep};
use std::io::Write;

pub fn steps(out: &mut dyn Write, steps: &[ReportStep]) -> anyhow::Result<()> {
    if steps.is_empty() {
        writeln!(out, "nothing pending: the database is at this build's schema")?;
    }
    for (i, step) in steps.iter().enumerate() {
        writeln!(
            out,
            "{:>3}. {:<12} {:<5} {:<34} {}",
            i + 1,
            step.kind,
            step.release.as_deref().unwrap_or("-"),
            step.id,
            step.description
        )?;
    }
    Ok(())
}

/// The summary of an upgrade or rollback: objects per table and time per phase.
pub fn summary(out: &mut dyn Write, report: &Report, verb: &str) -> anyhow::Result<()> {
    if let Some(recovery) = &report.recovered {
        writeln!(out, "first {recovery}")?;
    }
    writeln!(out, "{:<18} {:>8} {:>8} {:>8} {:>10}", "TABLE", "CREATED", "CHANGED", "DELETED", "UNCHANGED")?;
    let mut total = df_migrations::TableSummary::default();
    for (table, t) in &report.tables {
        writeln!(out, "{:<18} {:>8} {:>8} {:>8} {:>10}", table, t.created, t.changed, t.deleted, t.unchanged)?;
        total.created += t.created;
        total.changed += t.changed;
        total.deleted += t.deleted;
        total.unchanged += t.unchanged;
    }
    writeln!(out, "{:<18} {:>8} {:>8} {:>8} {:>10}", "total", total.created, total.changed, total.deleted, total.unchanged)?;
    let mut parts = vec![format!("{} objects read", report.objects_read)];
    // A rollback times no phases.
    if !report.timings.is_empty() {
        parts.push(report.timings.iter().map(|(phase, d)| format!("{phase:?} {d:.2?}").to_lowercase()).collect::<Vec<_>>().join(", "));
    }
    parts.push(verb.to_owned());
    writeln!(out, "{}", parts.join("; "))?;
    if let Some(declined) = &report.staged {
        writeln!(out, "the commit was staged and rolled forward, not written as one transaction: {declined}")?;
    }
    Ok(())
}
