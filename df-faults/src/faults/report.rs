//! The campaign's result: one row per scenario, as the Markdown table that goes into
//! `BENCHMARKS.md` (and as JSON with `--json`), then every failed check, spelled out so
//! that a failure can be reproduced without rerunning the whole campaign.

use serde::Serialize;
use std::fmt::Write;

/// One scenario's runs.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub runs: usize,
    /// What the runs ended with, e.g. `31 old / 19 new`.
    pub outcomes: String,
    /// Each failed check: the run and what differed.
    pub failures: Vec<String>,
}

impl Row {
    pub fn new(scenario: impl Into<String>) -> Row {
        Row { scenario: scenario.into(), runs: 0, outcomes: String::new(), failures: Vec::new() }
    }

    /// Runs `f` on the row; an error that stops it (a server that does not start, a
    /// runner that cannot be spawned) is recorded as a failure too.
    pub fn within(mut self, f: impl FnOnce(&mut Row) -> anyhow::Result<()>) -> Row {
        if let Err(error) = f(&mut self) {
            self.failures.push(format!("stopped by an error: {error:#}"));
        }
        self
    }

    /// Records a failed check of run `run` (counted from 1; 0 is an undisturbed run that
    /// a scenario measures or checks first).
    pub fn fail(&mut self, run: usize, what: impl std::fmt::Display) {
        self.failures.push(format!("run {run}: {what}"));
    }
}

/// Counts of outcomes in the order they were first seen, for the `outcomes` column.
#[derive(Debug, Default)]
pub struct Tally(Vec<(String, usize)>);

impl Tally {
    pub fn add(&mut self, outcome: impl Into<String>) {
        let outcome = outcome.into();
        match self.0.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, n)) => *n += 1,
            None => self.0.push((outcome, 1)),
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(o, n)| format!("{n} {o}")).collect();
        f.write_str(&parts.join(" / "))
    }
}

/// The table, then the failures, as Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| scenario | runs | outcomes | failures |\n|---|---:|---|---:|\n");
    for row in rows {
        let _ = writeln!(out, "| {} | {} | {} | {} |", row.scenario, row.runs, row.outcomes.replace('|', "\\|"), row.failures.len());
    }
    let failed: Vec<&Row> = rows.iter().filter(|r| !r.failures.is_empty()).collect();
    if !failed.is_empty() {
        out.push_str("\n#### Failed checks\n\n");
        for row in failed {
            for failure in &row.failures {
                let _ = writeln!(out, "- {}, {failure}", row.scenario);
            }
        }
    }
    out
}
