//! Scenario 6: bad input, each refused with an error that names what is wrong (the key,
//! the model, the migration), and nothing written: the whole database is byte for byte
//! what it was before. Each case runs on redb and on Redis where it applies.
//!
//! - `data`: bad values and keys, data no migration can handle, data that fails head
//!   validation, a counter a migration overflows, databases newer than the build, a
//!   changed applied migration: all through `runner upgrade`;
//! - `files`: truncated and corrupted export files, through `runner import`;
//! - `environment`: keys given a time to live, objects lost, a damaged redb file, an
//!   export aimed at the live file;
//! - `urls`: unreachable databases and wrong URLs;
//! - `panics`: a migration that panics, in this process (see there why).

mod data;
mod environment;
mod files;
mod panics;
mod urls;

use super::db::Db;
use super::report::Row;
use df_testkit::runner::Finished;
use df_testkit::states::{differing, Dump, Keys};

pub fn run() -> Vec<Row> {
    let dbs: Vec<anyhow::Result<Prepared>> = vec![Db::redb().and_then(prepare), Db::redis().and_then(prepare)];
    let mut rows = data::rows(&dbs);
    rows.extend(files::rows(&dbs));
    rows.extend(environment::rows(&dbs));
    rows.extend(panics::rows(&dbs));
    rows.extend(urls::rows());
    rows
}

/// A database with the states the cases start from.
pub struct Prepared {
    pub db: Db,
    /// Dragonflow's 2.0 fixture, imported and baselined.
    pub base: Dump,
    /// The same, upgraded to release 3.0.
    pub at_30: Dump,
}

fn prepare(db: Db) -> anyhow::Result<Prepared> {
    let base = db.import_baselined(dragonflow_fixtures::release_2_0_store())?;
    db.runner().ok(&["upgrade", "--to", "3.0"])?;
    let at_30 = db.dump()?;
    Ok(Prepared { db, base, at_30 })
}

/// One case's runs, one per database: the row that collects them.
pub struct Case {
    row: Row,
    /// Where it was refused as it should be, and where not, for the outcome.
    refused_on: Vec<&'static str>,
    failed_on: Vec<&'static str>,
}

impl Case {
    pub fn new(scenario: &str) -> Case {
        Case { row: Row::new(format!("bad input: {scenario}")), refused_on: Vec::new(), failed_on: Vec::new() }
    }

    /// Runs the case on each database with `check`, which returns a failed check's
    /// message or nothing.
    pub fn on_each(mut self, dbs: &[anyhow::Result<Prepared>], mut check: impl FnMut(&Prepared) -> anyhow::Result<Option<String>>) -> Row {
        for db in dbs {
            let name = db.as_ref().map_or("a database", |p| p.db.name());
            self.check(name, || db.as_ref().map_err(|e| anyhow::anyhow!("{e:#}")).and_then(&mut check));
        }
        self.finish()
    }

    /// One run, on what `label` names: `check` returns a failed check's message or nothing.
    pub fn check(&mut self, label: &'static str, check: impl FnOnce() -> anyhow::Result<Option<String>>) {
        self.row.runs += 1;
        let failure = match check() {
            Ok(None) => return self.refused_on.push(label),
            Ok(Some(failure)) => failure,
            Err(error) => format!("stopped by an error: {error:#}"),
        };
        self.failed_on.push(label);
        self.row.fail(self.row.runs, format!("{label}: {failure}"));
    }

    pub fn finish(mut self) -> Row {
        let mut outcomes = Vec::new();
        if !self.refused_on.is_empty() {
            outcomes.push(format!("refused, nothing written ({})", self.refused_on.join(", ")));
        }
        if !self.failed_on.is_empty() {
            outcomes.push(format!("FAILED ({})", self.failed_on.join(", ")));
        }
        self.row.outcomes = outcomes.join("; ");
        self.row
    }
}

/// Runs `args` on `db` and checks that the runner failed (exit code 1), that its error
/// says every part of `expect`, and that the database is byte for byte `before`.
pub fn refused(db: &Db, before: &Dump, args: &[&str], expect: &[&str]) -> anyhow::Result<Option<String>> {
    let finished = db.runner().run(args)?;
    let failures: Vec<String> = [judge(&finished, expect), unchanged(before, &db.dump()?)].into_iter().flatten().collect();
    Ok((!failures.is_empty()).then(|| failures.join("; ")))
}

/// A failure message unless `finished` failed with exit code 1 and an error saying every
/// part of `expect`.
pub fn judge(finished: &Finished, expect: &[&str]) -> Option<String> {
    let missing: Vec<&&str> = expect.iter().filter(|part| !finished.error().contains(**part)).collect();
    if finished.code != Some(1) || !missing.is_empty() {
        return Some(format!("expected exit 1 and an error naming {expect:?}, got {}", finished.describe()));
    }
    None
}

/// A failure message if anything was written.
pub fn unchanged(before: &Dump, after: &Dump) -> Option<String> {
    let written = differing(before, after);
    (!written.is_empty()).then(|| format!("it wrote {}", Keys(&written)))
}
