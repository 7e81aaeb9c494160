//! Whole databases compared byte for byte. After a crash, a kill or a refused run, a
//! database must be exactly the old state or exactly the new one; a mix of the two, or
//! anything else, is a failure, and the keys that differ are what a person needs to see.

use df_migrations::layout::{self, StoredKey};
use df_migrations::records::{ImageRef, Run, RUN_PREFIX};
use df_migrations::store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Every key of a database with its exact value.
pub type Dump = BTreeMap<String, Vec<u8>>;

/// The keys in which two dumps differ (present in one only, or with other bytes). Run
/// records (the audit trail) are compared on what the run did, not on when or where it
/// ran (see [`run_essence`]).
pub fn differing(a: &Dump, b: &Dump) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| match (a.get(*k), b.get(*k)) {
            (Some(x), Some(y)) if is_run(k) => run_essence(x) != run_essence(y),
            (x, y) => x != y,
        })
        .cloned()
        .collect()
}

fn is_run(key: &str) -> bool {
    key.strip_prefix(&format!("{{{}.}}", layout::ENGINE_TABLE)).is_some_and(|id| id.starts_with(RUN_PREFIX))
}

/// A run record without what differs between two runs of the same work: its lease
/// token (in its id and its image's tag), its host, user and duration; `None` if the
/// record is not a run.
fn run_essence(bytes: &[u8]) -> Option<Run> {
    let run: Run = serde_json::from_slice(bytes).ok()?;
    // The stored bytes must be exactly what the engine writes for this run.
    if serde_json::to_vec(&run).ok()? != bytes {
        return None;
    }
    let started = run.id.rsplit_once('/').map(|(at, _)| at.to_owned())?;
    let image = run.image.map(|image| ImageRef { tag: String::new(), ..image });
    Some(Run { id: started, host: String::new(), user: String::new(), seconds: 0.0, image, ..run })
}

/// The keys in which `actual` differs from `expected`, the result of an upgrade of the
/// same data with the same `applied_at`. Every key must match byte for byte but for what
/// each run draws at random, its lease token: run records are compared as [`differing`]
/// does, and the images' chunks are tagged with the token (in their keys, and so in their
/// digests), so the entries of each are compared with those of the chunk of the same
/// number of the image the same run keeps in `expected`.
pub fn differing_from_upgrade(actual: &Dump, expected: &Dump) -> Vec<String> {
    let mut keys = differing(actual, expected);
    let (ours, theirs) = (image_tags(actual), image_tags(expected));
    keys.retain(|key| match layout::parse(key.as_bytes()) {
        Ok(StoredKey::Image { tag, chunk }) => {
            // The same run's image in each.
            let pair = ours.iter().filter_map(|(seq, our)| Some((our, theirs.get(seq)?))).find(|(our, their)| **our == tag || **their == tag);
            pair.is_none_or(|(our, their)| {
                let entries = |dump: &Dump, tag: &str| {
                    let key = layout::image_key(tag, chunk);
                    dump.get(&key).and_then(|bytes| df_migrations::chunk_entries(&key, bytes).ok())
                };
                let ours = entries(actual, our);
                ours.is_none() || ours != entries(expected, their)
            })
        }
        _ => true,
    });
    keys
}

/// The tags of the images the runs in `dump` keep, by run.
fn image_tags(dump: &Dump) -> BTreeMap<u64, String> {
    dump.iter()
        .filter(|(key, _)| is_run(key))
        .filter_map(|(_, bytes)| serde_json::from_slice::<Run>(bytes).ok())
        .filter_map(|run| Some((run.seq, run.image?.tag)))
        .collect()
}

/// Which expected state a database is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Exactly the old state.
    Old,
    /// The new state, as an upgrade of the same data leaves it (see
    /// [`differing_from_upgrade`]).
    New,
    /// Neither: the keys in which it differs from each.
    Neither {
        /// The keys in which it differs from the old state.
        from_old: Vec<String>,
        /// The keys in which it differs from the new state.
        from_new: Vec<String>,
    },
}

/// Classifies `actual` as exactly `old`, exactly `new` (see [`differing_from_upgrade`]),
/// or neither.
pub fn classify(actual: &Dump, old: &Dump, new: &Dump) -> Found {
    let from_old = differing(actual, old);
    if from_old.is_empty() {
        return Found::Old;
    }
    let from_new = differing_from_upgrade(actual, new);
    if from_new.is_empty() {
        return Found::New;
    }
    Found::Neither { from_old, from_new }
}

/// At most this many keys of a list, for messages that stay readable.
const LISTED: usize = 8;

/// A list of keys for a message: the count and the first few.
pub struct Keys<'a>(pub &'a [String]);

impl fmt::Display for Keys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<&str> = self.0.iter().take(LISTED).map(String::as_str).collect();
        write!(f, "{} keys [{}{}]", self.0.len(), shown.join(", "), if self.0.len() > LISTED { ", …" } else { "" })
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Old => f.write_str("exactly the old state"),
            Found::New => f.write_str("exactly the new state"),
            Found::Neither { from_old, from_new } => {
                write!(f, "a mix: differs from the old state in {} and from the new state in {}", Keys(from_old), Keys(from_new))
            }
        }
    }
}

/// Every key and value of a Dragonflow-layout store (every key that starts with `{`),
/// through its `scan`: what a database shared with other software holds besides is not
/// df-schema's.
pub fn dump(store: &mut dyn Store) -> Result<Dump, StoreError> {
    let mut all = Dump::new();
    store.scan("{", &mut |k, v| {
        all.insert(String::from_utf8_lossy(k).into_owned(), v);
    })?;
    Ok(all)
}
