//! Whole databases compared byte for byte. After a crash, a kill or a refused run, a
//! database must be exactly the old state or exactly the new one; a mix of the two, or
//! anything else, is a failure, and the keys that differ are what a person needs to see.

use df_migrations::layout::{self, StoredKey};
use df_migrations::records::{backup_key, Manifest};
use df_migrations::store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Every key of a database with its exact value.
pub type Dump = BTreeMap<String, Vec<u8>>;

/// The keys in which two dumps differ (present in one only, or with other bytes).
pub fn differing(a: &Dump, b: &Dump) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

/// The keys in which `actual` differs from `expected`, the result of an upgrade of the
/// same data with the same `applied_at`. Every key must match byte for byte but for the
/// lease token, which each run draws at random: the upgrade manifest's id is
/// `<applied_at>/<lease token>`, so there only the `applied_at` part must match, and the
/// image's chunks are tagged with the token, so each is compared with the chunk of the
/// same number under the expected tag.
pub fn differing_from_upgrade(actual: &Dump, expected: &Dump) -> Vec<String> {
    let manifest = backup_key().encode();
    let mut keys = differing(actual, expected);
    keys.retain(|key| *key != manifest || !same_manifest_but_token(&actual[key], &expected[key]));
    if let (Some(ours), Some(theirs)) = (image_tag(actual), image_tag(expected)) {
        keys.retain(|key| match layout::parse(key.as_bytes()) {
            Ok(StoredKey::Image { chunk, .. }) => actual.get(&layout::image_key(&ours, chunk)) != expected.get(&layout::image_key(&theirs, chunk)),
            _ => true,
        });
    }
    keys
}

/// The tag of the image that the upgrade manifest in `dump` names.
fn image_tag(dump: &Dump) -> Option<String> {
    let manifest: Manifest = serde_json::from_slice(dump.get(&backup_key().encode())?).ok()?;
    Some(manifest.image?.tag)
}

fn same_manifest_but_token(actual: &[u8], expected: &[u8]) -> bool {
    let (Ok(mut manifest), Ok(wanted)) = (serde_json::from_slice::<Manifest>(actual), serde_json::from_slice::<Manifest>(expected)) else {
        return false;
    };
    let applied_at = |id: &str| id.rsplit_once('/').map(|(at, _)| at.to_owned());
    if applied_at(&manifest.id).is_none() || applied_at(&manifest.id) != applied_at(&wanted.id) {
        return false;
    }
    // The stored bytes must be exactly what the engine writes for this manifest, and with
    // the expected token they must be exactly the expected bytes.
    let canonical = serde_json::to_vec(&manifest).is_ok_and(|bytes| bytes == actual);
    manifest.id = wanted.id;
    if let (Some(image), Some(wanted)) = (&mut manifest.image, wanted.image) {
        image.tag = wanted.tag;
    }
    canonical && serde_json::to_vec(&manifest).is_ok_and(|bytes| bytes == expected)
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
