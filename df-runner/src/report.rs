//! Reports as text for people (`json` has the documents for scripts).

use df_migrations::{Report, ReportStep};
use std::io::Write;

pub fn steps(out: &mut dyn Write, steps: &[ReportStep]) -> anyhow::Result<()> {
    if steps.is_empty() {
        writeln!(out, "nothing pending: the database is at this build's schema")?;
        return Ok(());
    }
    let rows = steps.iter().enumerate().map(|(i, step)| {
        let release = step.release.clone().unwrap_or_else(|| "-".to_owned());
        vec![format!("{}.", i + 1), step.kind.to_string(), step.rollout.to_string(), release, step.id.clone(), step.description.clone()]
    });
    table(out, &["", "KIND", "COMPATIBILITY", "RELEASE", "ID", "DESCRIPTION"], rows)
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
    match (&report.staged, report.in_place) {
        (Some(declined), true) => writeln!(out, "the commit was written in place, transaction by transaction, not as one transaction: {declined}")?,
        (Some(declined), false) => writeln!(out, "the commit was staged and rolled forward, not written as one transaction: {declined}")?,
        (None, _) => {}
    }
    Ok(())
}

/// Writes `rows` under `headers`, each column as wide as its longest cell so that the
/// columns line up whatever they hold; the last column is not padded.
pub fn table(out: &mut dyn Write, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = rows.collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let last = row.len().saturating_sub(1);
        let cells: Vec<String> = row.iter().enumerate().map(|(i, cell)| if i == last { cell.clone() } else { format!("{cell:<w$}", w = widths[i]) }).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// A size for people: `512 B`, `2.1 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    #[allow(clippy::cast_precision_loss)] // a size shown to one decimal
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!([bytes(0), bytes(999), bytes(1000), bytes(2_149_000), bytes(3_000_000_000_000_000)], ["0 B", "999 B", "1.0 kB", "2.1 MB", "3000.0 TB"]);
    }

    #[test]
    fn columns_line_up() {
        let mut out = Vec::new();
        table(&mut out, &["A", "BB", "C"], vec![vec!["long cell".into(), "x".into(), "last".into()]].into_iter()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "A          BB  C\nlong cell  x   last\n");
    }
}
