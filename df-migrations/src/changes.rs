//! From the database as read and the database as migrated to the writes that turn one
//! into the other, with the backup that undoes them and a per-table summary.

use crate::layout::{self, Key};
use crate::records::{self, EngineState, LogRow, Manifest};
use crate::snapshot::Snapshot;
use crate::store::Op;
use df_schema::NbApi;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What one table gains and loses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableSummary {
    pub created: usize,
    pub changed: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// The writes of a commit.
#[derive(Debug, Default)]
pub struct Changes {
    /// Writes to live keys.
    pub ops: Vec<Op>,
    /// Keys the commit creates.
    pub created: Vec<String>,
    /// Digest of the live data after the commit.
    pub digest: String,
    /// Per table (counters under `unique_key`).
    pub summary: BTreeMap<String, TableSummary>,
}

/// Digest of live data: SHA-256 over `key NUL value NUL` in key order, bookkeeping
/// records excluded (they change with every commit and are not data).
pub fn digest<'a>(entries: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in entries {
        if matches!(layout::parse(key.as_bytes()), Ok(layout::Slot::Live(k)) if records::is_bookkeeping(&k)) {
            continue;
        }
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value);
        hasher.update([0]);
    }
    crate::transfer::hex(&hasher.finalize())
}

/// The data after migrating `snapshot` to `nb` and logging `rows` with `state`.
pub fn compute(snapshot: &Snapshot, nb: &NbApi, rows: &[LogRow], state: &EngineState) -> Changes {
    let mut post: BTreeMap<String, Cow<'_, [u8]>> = BTreeMap::new();
    let mut summary: BTreeMap<String, TableSummary> = BTreeMap::new();
    for table in nb.tables() {
        let entry = summary.entry(table.to_owned()).or_default();
        for (id, stored) in nb.iter(table) {
            let key = Key::object(table, &stored.topic, id).encode();
            let value = match snapshot.raw.get(&key) {
                // Unchanged objects keep their stored bytes, whatever their member order.
                Some(raw) if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(raw).ok().as_ref() == Some(&stored.object) => {
                    entry.unchanged += 1;
                    Cow::Borrowed(raw.as_slice())
                }
                original => {
                    if original.is_some() {
                        entry.changed += 1;
                    } else {
                        entry.created += 1;
                    }
                    Cow::Owned(serde_json::to_vec(&stored.object).expect("a JSON map always serializes"))
                }
            };
            post.insert(key, value);
        }
    }
    for (table, value) in nb.counters() {
        post.insert(Key::counter(table).encode(), Cow::Owned(value.to_string().into_bytes()));
    }
    for (key, raw) in &snapshot.raw {
        if matches!(layout::parse(key.as_bytes()), Ok(layout::Slot::Live(Key::Object { table, .. })) if table == layout::LOG_TABLE) {
            post.insert(key.clone(), Cow::Borrowed(raw.as_slice()));
        }
    }
    for row in rows {
        post.insert(records::log_key(&row.id).encode(), Cow::Owned(serde_json::to_vec(row).expect("rows serialize")));
    }
    post.insert(records::state_key().encode(), Cow::Owned(serde_json::to_vec(state).expect("state serializes")));

    let mut changes = Changes { digest: digest(post.iter().map(|(k, v)| (k.as_str(), v.as_ref()))), ..Changes::default() };
    for (key, value) in &post {
        match snapshot.raw.get(key) {
            Some(raw) if raw.as_slice() == value.as_ref() => {}
            raw => {
                if raw.is_none() {
                    changes.created.push(key.clone());
                }
                changes.ops.push(Op::Set(key.clone(), value.to_vec()));
            }
        }
    }
    for key in snapshot.raw.keys().filter(|k| !post.contains_key(*k)) {
        if let Ok(layout::Slot::Live(Key::Object { table, .. })) = layout::parse(key.as_bytes()) {
            summary.entry(table).or_default().deleted += 1;
        }
        changes.ops.push(Op::Delete(key.clone()));
    }
    for op in &changes.ops {
        if let Ok(layout::Slot::Live(Key::Counter { .. })) = layout::parse(op.key().as_bytes()) {
            summary.entry(layout::COUNTERS.to_owned()).or_default().changed += 1;
        }
    }
    changes.summary = summary;
    changes
}

/// The writes that keep the pre-commit values of what `ops` overwrites or deletes, drop
/// the previous commit's backup, and record the new manifest.
pub fn backup_ops(snapshot: &Snapshot, ops: &[Op], manifest: &Manifest) -> Vec<Op> {
    let mut backup: BTreeMap<String, Op> =
        snapshot.backup.keys().map(|k| (k.clone(), Op::Delete(k.clone()))).collect();
    for op in ops {
        if let Some(raw) = snapshot.raw.get(op.key()) {
            let key = layout::backup_raw(op.key());
            backup.insert(key.clone(), Op::Set(key, raw.clone()));
        }
    }
    let mut out: Vec<Op> = backup.into_values().collect();
    out.push(Op::Set(records::manifest_key().encode(), serde_json::to_vec(manifest).expect("manifest serializes")));
    out
}

/// Per table, what a list of live writes does to `snapshot` (backup keys and the
/// engine's records aside): for a rollback's report.
pub fn summarize(ops: &[Op], snapshot: &Snapshot) -> BTreeMap<String, TableSummary> {
    let mut summary: BTreeMap<String, TableSummary> = BTreeMap::new();
    for op in ops {
        let table = match layout::parse(op.key().as_bytes()) {
            Ok(layout::Slot::Live(Key::Object { table, .. })) if table != layout::ENGINE_TABLE => table,
            Ok(layout::Slot::Live(Key::Counter { .. })) => layout::COUNTERS.to_owned(),
            _ => continue,
        };
        let entry = summary.entry(table).or_default();
        match (op, snapshot.raw.contains_key(op.key())) {
            (Op::Set(..), true) => entry.changed += 1,
            (Op::Set(..), false) => entry.created += 1,
            (Op::Delete(_), _) => entry.deleted += 1,
        }
    }
    summary
}
