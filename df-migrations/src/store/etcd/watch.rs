//! Writes by others, by revision: etcd keeps every revision until it is compacted, so the
//! keys changed since the revision a watch began are those whose `mod_revision` is later
//! (etcd filters them, so only they travel), and the keys deleted since are those that
//! existed at that revision and exist no more (counted at both revisions, and listed
//! keys-only only where the counts say some went). What the store wrote itself is not
//! counted. From the revision
//! of that check on, the commit's transaction compares every key it writes, so a write in
//! between makes it fail, with nothing written.

use super::client::{bytes, int};
use super::EtcdStore;
use crate::store::StoreError;
use std::collections::{BTreeSet, HashSet};

/// A watch begun at a revision.
pub struct Watch {
    /// The engine prefix watched.
    prefix: String,
    /// The revision it began at.
    revision: i64,
    /// The etcd keys the store wrote since.
    own: HashSet<Vec<u8>>,
}

impl Watch {
    /// A watch of the keys of `prefix`, begun at `revision`.
    pub fn new(prefix: &str, revision: i64) -> Watch {
        Watch { prefix: prefix.to_owned(), revision, own: HashSet::new() }
    }

    /// Notes etcd keys the store wrote itself.
    pub fn wrote(&mut self, keys: impl Iterator<Item = Vec<u8>>) {
        self.own.extend(keys);
    }
}

impl EtcdStore {
    /// The keys anyone but this store set or deleted since `watch` began, sorted, by
    /// their etcd keys (without the store's prefix).
    pub(super) fn writes_since(&mut self, watch: Watch) -> Result<Vec<String>, StoreError> {
        let (start, end) = self.span(&watch.prefix);
        let name = self.name.clone();
        let key_of = |kv: &serde_json::Value| bytes(&kv["key"]).map_err(|failure| StoreError::Backend { store: name.clone(), message: format!("reading keys: {failure}") });
        let store = self.name.clone();
        let compacted = |error: StoreError| StoreError::Backend {
            store: store.clone(),
            message: format!("the revision the upgrade read at is no longer kept (compacted?), so writes by others cannot be told: {error}"),
        };
        // The keys written since the watch began, filtered by etcd: the check costs
        // little however large the database is.
        let mut changed = BTreeSet::new();
        let mut created = 0;
        let checked = self.range_since(&start, &end, None, true, Some(watch.revision + 1), &mut |kv| {
            if int(&kv["create_revision"]) > watch.revision {
                created += 1;
            }
            changed.insert(key_of(kv)?);
            Ok(())
        })?;
        // Deletions leave no key to filter; the counts tell whether there were any, and
        // only then are the two states' keys compared.
        let now = self.count(&start, &end, checked)?;
        let then = self.count(&start, &end, watch.revision).map_err(compacted)?;
        if then + created > now {
            let keys = |store: &mut EtcdStore, at: i64| -> Result<BTreeSet<Vec<u8>>, StoreError> {
                let mut keys = BTreeSet::new();
                store.range(&start, &end, Some(at), true, &mut |kv| {
                    keys.insert(key_of(kv)?);
                    Ok(())
                })?;
                Ok(keys)
            };
            let (then, now) = (keys(self, watch.revision).map_err(compacted)?, keys(self, checked)?);
            changed.extend(then.difference(&now).cloned());
        }
        // The fenced commit checks from here on (see `EtcdStore::write_if_leased`).
        self.checked = Some(checked);
        self.since_check.clear();
        let lock = self.etcd_key(&self.lease_key);
        let prefix = self.options.prefix.as_bytes();
        Ok(changed
            .into_iter()
            .filter(|key| *key != lock && !watch.own.contains(key))
            .map(|key| String::from_utf8_lossy(key.strip_prefix(prefix).unwrap_or(&key)).into_owned())
            .collect())
    }
}
