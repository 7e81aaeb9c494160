//! From the database as read and the database as migrated to the writes that turn one
//! into the other, with the backup that undoes them and a per-table summary.

use crate::layout::{self, Key};
use crate::records::{self, EngineState, LogRow, Manifest};
use crate::snapshot::Snapshot;
use crate::store::Op;
use df_schema::NbApi;
use serde::Serialize;
use sha2::{Digest, Sha256};
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

/// The writes that turn `snapshot` into the migrated `nb`, logging `rows` with `state`.
/// Consumes `nb`: each changed object's bytes move into its write, uncopied.
pub fn compute(snapshot: &Snapshot, nb: NbApi, rows: &[LogRow], state: &EngineState) -> Changes {
    // Every live key after the commit with its bytes, and whether it must be written.
    let mut post: Vec<(String, Vec<u8>, bool)> = Vec::with_capacity(snapshot.keys.len() + rows.len() + 1);
    let mut summary: BTreeMap<String, TableSummary> = BTreeMap::new();
    let mut record = |key: String, value: Vec<u8>| {
        let write = snapshot.records.get(&key) != Some(&value);
        post.push((key, value, write));
    };
    for (table, value) in nb.counters() {
        record(Key::counter(table).encode(), value.to_string().into_bytes());
    }
    for row in rows {
        record(records::log_key(&row.id).encode(), serde_json::to_vec(row).expect("rows serialize"));
    }
    record(records::state_key().encode(), serde_json::to_vec(state).expect("state serializes"));
    for (key, value) in &snapshot.records {
        if matches!(layout::parse(key.as_bytes()), Ok(layout::Slot::Live(Key::Object { table, .. })) if table == layout::LOG_TABLE) {
            post.push((key.clone(), value.clone(), false));
        }
    }
    for (table, objects) in nb.into_tables() {
        let entry = summary.entry(table.clone()).or_default();
        for (id, mut stored) in objects {
            stored.flush();
            let key = Key::object(&table, stored.topic(), &id).encode();
            let existed = snapshot.keys.contains(&key);
            let write = !existed || stored.changed();
            match (existed, write) {
                (true, false) => entry.unchanged += 1,
                (true, true) => entry.changed += 1,
                (false, _) => entry.created += 1,
            }
            post.push((key, stored.into_bytes(), write));
        }
    }
    summary.retain(|_, s| *s != TableSummary::default());
    // Stable, so that of two writes of one key the first pushed (the new) is kept.
    post.sort_by(|a, b| a.0.cmp(&b.0));
    post.dedup_by(|later, earlier| later.0 == earlier.0);

    let mut changes = Changes { digest: digest(post.iter().map(|(k, v, _)| (k.as_str(), v.as_slice()))), ..Changes::default() };
    for key in snapshot.keys.iter().filter(|k| post.binary_search_by(|(p, _, _)| p.as_str().cmp(k)).is_err()) {
        if let Ok(layout::Slot::Live(Key::Object { table, .. })) = layout::parse(key.as_bytes()) {
            summary.entry(table).or_default().deleted += 1;
        }
        changes.ops.push(Op::Delete(key.clone()));
    }
    for (key, value, write) in post {
        if write {
            if !snapshot.keys.contains(&key) {
                changes.created.push(key.clone());
            }
            changes.ops.push(Op::Set(key, value));
        }
    }
    for op in &changes.ops {
        if let Ok(layout::Slot::Live(Key::Counter { .. })) = layout::parse(op.key().as_bytes()) {
            summary.entry(layout::COUNTERS.to_owned()).or_default().changed += 1;
        }
    }
    changes.summary = summary;
    changes
}

/// The writes that drop the previous commit's backups which this commit does not
/// replace, and record its manifest. (The commit itself copies each live key it
/// overwrites or deletes to its backup, see `crate::commit`.)
pub fn backup_ops(snapshot: &Snapshot, ops: &[Op], manifest: &Manifest) -> Vec<Op> {
    let replaced: std::collections::HashSet<String> =
        ops.iter().filter(|op| snapshot.keys.contains(op.key())).map(|op| layout::backup_raw(op.key())).collect();
    let mut out: Vec<Op> = snapshot.backup.iter().filter(|k| !replaced.contains(*k)).cloned().map(Op::Delete).collect();
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
        match (op, snapshot.keys.contains(op.key())) {
            (Op::Set(..), true) => entry.changed += 1,
            (Op::Set(..), false) => entry.created += 1,
            (Op::Delete(_), _) => entry.deleted += 1,
            (Op::Copy { .. } | Op::Rename { .. }, _) => {}
        }
    }
    summary
}
