//! The exact state a database must be in after a run: the old state it started from, or
//! the new state that an uninterrupted upgrade of that old state leaves.
//!
//! The new state is not one fixed set of bytes: a runner logs each step with the time it
//! started (`applied_at`), and that time is part of the log rows and of the digest in the
//! upgrade's manifest. So the expected new state is computed for the `applied_at` the
//! database shows, by upgrading the old state in this process, on the in-memory store,
//! with that `applied_at`; then every key and every byte must match (the manifest's lease
//! token aside, see `df_testkit::states::differing_from_upgrade`). A database whose log
//! rows disagree on `applied_at`, or that has none but is not the old state, is a mix.

use df_migrations::records::LogRow;
use df_migrations::store::{MemoryStore, Store};
use df_migrations::{Build, Engine, UpgradeOptions};
use df_testkit::states::{classify, differing, dump, Dump, Found, Keys};
use std::collections::BTreeSet;

/// Which state a database was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Old,
    New,
    /// Neither: what differs.
    Mix(String),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Old => f.write_str("exactly the old state"),
            Verdict::New => f.write_str("exactly the new state"),
            Verdict::Mix(what) => write!(f, "a mix: {what}"),
        }
    }
}

/// The old state and the new states computed so far.
pub struct Expected {
    pub old: Dump,
    /// The last new state computed, with its `applied_at`: consecutive checks of a run
    /// (after recovery, after the next upgrade) usually need the same one, and a 100k-
    /// object state is worth computing once.
    new: Option<(String, Dump)>,
}

impl Expected {
    pub fn new(old: Dump) -> Expected {
        Expected { old, new: None }
    }

    /// Judges `actual` against the old state and the new state of its `applied_at`.
    pub fn judge(&mut self, actual: &Dump) -> anyhow::Result<Verdict> {
        let times = self.upgrade_times(actual);
        // With rows of several upgrades, the latest one is the upgrade to compare with.
        let Some(applied_at) = times.iter().next_back() else {
            let from_old = differing(actual, &self.old);
            if from_old.is_empty() {
                return Ok(Verdict::Old);
            }
            return Ok(Verdict::Mix(format!("differs from the old state in {}, and no step of an upgrade is logged", Keys(&from_old))));
        };
        let (from_old, from_new) = match classify(actual, &self.old, new_state(&self.old, &mut self.new, applied_at)?) {
            Found::New if times.len() == 1 => return Ok(Verdict::New),
            Found::Old | Found::New => (Vec::new(), Vec::new()),
            Found::Neither { from_old, from_new } => (from_old, from_new),
        };
        let several = if times.len() > 1 { format!("its log rows come from {} upgrades ({times:?}); ", times.len()) } else { String::new() };
        // Live keys first: a stray staging key is garbage the next run removes, a wrong
        // live key is what an operator would find.
        let (bookkeeping, live): (Vec<String>, Vec<String>) = from_new.into_iter().partition(|k| k.contains("~df-"));
        Ok(Verdict::Mix(format!(
            "{several}differs from the old state in {} and from the new state of the upgrade at {applied_at} in {} live and {} staging or image",
            Keys(&from_old),
            Keys(&live),
            Keys(&bookkeeping)
        )))
    }

    /// The `applied_at` of the log rows in `actual` that the old state does not have.
    fn upgrade_times(&self, actual: &Dump) -> BTreeSet<String> {
        actual
            .iter()
            // Live log rows only: a staged row is not logged yet.
            .filter(|(key, value)| key.starts_with("{schema_migration.}") && !key.contains("~df-") && self.old.get(*key) != Some(*value))
            .filter_map(|(_, value)| serde_json::from_slice::<LogRow>(value).ok())
            .map(|row| row.applied_at)
            .collect()
    }
}

/// The new state of an upgrade of `old` at `applied_at`, from `cache` if it holds it.
fn new_state<'a>(old: &Dump, cache: &'a mut Option<(String, Dump)>, applied_at: &str) -> anyhow::Result<&'a Dump> {
    if cache.as_ref().is_none_or(|(at, _)| at != applied_at) {
        // Freed first: two 100k-object states at once are not needed.
        *cache = None;
        let mut store = MemoryStore::new();
        for (key, value) in old {
            store.insert(key, value.clone());
        }
        let options = UpgradeOptions { applied_at: Some(applied_at.to_owned()), init: true, ..UpgradeOptions::default() };
        Engine::new(&mut store, Build::linked()?).upgrade(&options, &mut |_| {})?;
        *cache = Some((applied_at.to_owned(), dump(&mut store as &mut dyn Store)?));
    }
    Ok(&cache.as_ref().expect("computed above").1)
}
