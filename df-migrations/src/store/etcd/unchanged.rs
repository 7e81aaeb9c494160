//! The compares that make a fenced transaction refuse when anyone else wrote one of its
//! keys since the check for writes by others (see `watch`).
//!
//! etcd answers each compare with a read, so a compare per key made a commit's
//! transactions about 40% slower. Keys that lay next to each other in the upgrade's read
//! (its scan, in key order) are compared as one range instead: `[first, last]`, whose keys
//! must all have changed no later than the check. That range holds the transaction's keys
//! and no others that existed at the read; a key created inside it since by someone else
//! fails it too, which is a write by others all the same. A range is cut where a key this
//! store wrote itself since the check lies inside it (its revision is later, though no one
//! else wrote it). A key the read did not see (one the commit creates) gets a compare of
//! its own.

use super::client::{b64, int};
use super::txn::Write;
use super::EtcdStore;
use crate::store::StoreError;
use serde_json::{json, Value};
use std::ops::Bound::Excluded;

/// Keys `[start, end)` compared as one.
pub struct Span {
    /// The first key.
    pub start: Vec<u8>,
    /// Just after the last key (the last key with a zero byte appended).
    pub end: Vec<u8>,
}

impl EtcdStore {
    /// The spans to compare for `writes`: their keys (but those this store wrote since the
    /// check) sorted, cut into runs of keys adjacent in the last scan.
    pub(super) fn unchanged_spans(&self, writes: &[Write]) -> Vec<Span> {
        let mut keys: Vec<&[u8]> = writes.iter().map(Write::key).filter(|key| !self.since_check.contains(*key)).collect();
        keys.sort_unstable();
        keys.dedup();
        let at = |key: &[u8]| self.scanned.binary_search_by(|scanned| scanned.as_slice().cmp(key)).ok();
        let mut spans: Vec<Span> = Vec::new();
        let mut last: Option<(&[u8], Option<usize>)> = None;
        for key in keys {
            let index = at(key);
            let adjacent = match (last, index) {
                (Some((before, Some(i))), Some(j)) => j == i + 1 && self.since_check.range::<[u8], _>((Excluded(before), Excluded(key))).next().is_none(),
                _ => false,
            };
            let end = [key, &[0]].concat();
            match spans.last_mut() {
                Some(span) if adjacent => span.end = end,
                _ => spans.push(Span { start: key.to_vec(), end }),
            }
            last = Some((key, index));
        }
        spans
    }

    /// The compares that `spans` are unchanged since `revision`.
    pub(super) fn unchanged_compares(spans: &[Span], revision: i64) -> Vec<Value> {
        let since = (revision + 1).to_string();
        spans.iter().map(|span| json!({ "key": b64(&span.start), "range_end": b64(&span.end), "target": "MOD", "result": "LESS", "mod_revision": since })).collect()
    }

    /// The first key of `spans` that anyone but this store wrote after `revision`, by its
    /// etcd key (without the store's prefix), for the message of a refused transaction.
    pub(super) fn changed_in(&mut self, spans: &[Span], revision: i64) -> Result<Option<String>, StoreError> {
        for span in spans {
            let mut found = None;
            let own = self.since_check.clone();
            self.range_since(&span.start, &span.end, None, true, Some(revision + 1), &mut |kv| {
                let key = super::client::bytes(&kv["key"]).unwrap_or_default();
                if found.is_none() && int(&kv["mod_revision"]) > revision && !own.contains(&key) {
                    found = Some(key);
                }
                Ok(())
            })?;
            if let Some(key) = found {
                return Ok(Some(String::from_utf8_lossy(key.strip_prefix(self.options.prefix.as_bytes()).unwrap_or(&key)).into_owned()));
            }
        }
        Ok(None)
    }
}
