//! The commit's writes: from the database as read and the database as migrated to the
//! writes that turn one into the other, with the manifest that lets rollback undo them
//! and a per-table summary.

use crate::layout::{self, Key};
use crate::records::{self, EngineState, LogRow};
use crate::snapshot::Original;
use crate::store::Op;
use df_schema::__private::{parallel, EngineNb, EngineStored};
use df_schema::{NbApi, Stored};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What one table gains and loses.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableSummary {
    /// Objects (or counters) the commit creates.
    pub created: usize,
    /// Objects it rewrites with other values.
    pub changed: usize,
    /// Objects it deletes.
    pub deleted: usize,
    /// Objects it leaves as they were.
    pub unchanged: usize,
}

/// The writes of a commit.
#[derive(Debug, Default)]
pub struct Writes {
    /// Writes to live keys.
    pub ops: Vec<Op>,
    /// Digest of the live data after the commit.
    pub digest: String,
    /// Per table (counters under `unique_key`).
    pub summary: BTreeMap<String, TableSummary>,
}

/// Digest of live data: SHA-256 over `key NUL value NUL` in key order, bookkeeping
/// records excluded (they change with every commit and are not data).
pub fn digest<'a>(entries: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in entries.filter(|(key, _)| !records::is_bookkeeping(key)) {
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value);
        hasher.update([0]);
    }
    crate::transfer::hex(&hasher.finalize())
}

/// What a live key after the commit is, for the summary.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// An object of the table with this index in the table list.
    Object(usize),
    Counter,
    /// The log and the engine's state.
    Record,
}

/// A live key after the commit.
struct Entry {
    key: String,
    value: Vec<u8>,
    kind: Kind,
    /// Whether its value differs from what was read, if it was read at all.
    changed: bool,
}

/// One table's objects, and then their entries, sorted by key.
struct Group {
    index: usize,
    table: String,
    objects: BTreeMap<String, Stored>,
    entries: Vec<Entry>,
}

impl Group {
    fn encode(&mut self) {
        let (table, index) = (&self.table, self.index);
        self.entries = std::mem::take(&mut self.objects)
            .into_iter()
            .map(|(id, stored)| {
                let key = layout::object_key(table, stored.topic(), &id);
                let changed = stored.changed();
                Entry { key, value: stored.into_bytes(), kind: Kind::Object(index), changed }
            })
            .collect();
        // A table has no key twice (its objects' ids are unique).
        self.entries.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    }
}

/// The writes that turn the database read (`original` and the objects `nb` was read as) into the migrated `nb`, logging `rows` with `state`.
/// Consumes `nb`: each changed object's bytes move into its write, uncopied.
pub fn compute(original: &Original, nb: NbApi, rows: &[LogRow], state: &EngineState) -> Writes {
    let mut post: Vec<Entry> = Vec::with_capacity(original.keys.len() + rows.len() + 1);
    let mut record = |key: String, value: Vec<u8>, kind: Kind| {
        let changed = original.records.get(&key) != Some(&value);
        post.push(Entry { key, value, kind, changed });
    };
    for (table, value) in nb.counters() {
        record(Key::counter(table).encode(), value.to_string().into_bytes(), Kind::Counter);
    }
    for row in rows {
        record(records::log_key(&row.id).encode(), serde_json::to_vec(row).expect("rows serialize"), Kind::Record);
    }
    record(records::state_key().encode(), serde_json::to_vec(state).expect("state serializes"), Kind::Record);
    for (key, value) in &original.records {
        if matches!(layout::parse(key.as_bytes()), Ok(layout::StoredKey::Live(Key::Object { table, .. })) if table == layout::LOG_TABLE) {
            post.push(Entry { key: key.clone(), value: value.clone(), kind: Kind::Record, changed: false });
        }
    }
    // Every key of a table starts with its hash tag, `{table.`, so each table's entries sort
    // on their own, on every core, and the stable sort below only merges sorted runs.
    let mut groups: Vec<Group> =
        nb.into_tables().into_iter().enumerate().map(|(index, (table, objects))| Group { index, table, objects, entries: Vec::new() }).collect();
    parallel::for_each_mut(&mut groups, Group::encode);
    let mut tables = Vec::with_capacity(groups.len());
    for group in groups {
        post.extend(group.entries);
        tables.push(group.table);
    }
    // Stable, so that of two writes of one key the first pushed (the new) is kept.
    post.sort_by(|a, b| a.key.cmp(&b.key));
    post.dedup_by(|later, earlier| later.key == earlier.key);

    // Both lists are in key order: one merge finds what is new, changed and gone, while
    // the digest (SHA-256 over every value) runs on a core of its own.
    let mut summary: BTreeMap<String, TableSummary> = BTreeMap::new();
    let mut deleted = |key: &String, ops: &mut Vec<Op>| {
        match layout::parse(key.as_bytes()) {
            Ok(layout::StoredKey::Live(Key::Object { table, .. })) => summary.entry(table).or_default().deleted += 1,
            Ok(layout::StoredKey::Live(Key::Counter { .. })) => summary.entry(layout::COUNTERS.to_owned()).or_default().changed += 1,
            _ => {}
        }
        ops.push(Op::Delete(key.clone()));
    };
    let mut out = Writes::default();
    let mut writes = Vec::with_capacity(post.len());
    let mut counts = vec![TableSummary::default(); tables.len()];
    let mut counters_written = 0;
    let mut read = original.keys.iter().peekable();
    out.digest = std::thread::scope(|scope| {
        let digesting = scope.spawn(|| digest(post.iter().map(|e| (e.key.as_str(), e.value.as_slice()))));
        for entry in &post {
            while let Some(gone) = read.next_if(|k| k.as_str() < entry.key.as_str()) {
                deleted(gone, &mut out.ops);
            }
            let existed = read.next_if(|k| **k == entry.key).is_some();
            let write = !existed || entry.changed;
            match entry.kind {
                Kind::Object(table) if !existed => counts[table].created += 1,
                Kind::Object(table) if write => counts[table].changed += 1,
                Kind::Object(table) => counts[table].unchanged += 1,
                Kind::Counter if write => counters_written += 1,
                Kind::Counter | Kind::Record => {}
            }
            writes.push(write);
        }
        digesting.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    // Each written value moves into its write, uncopied.
    let sets: Vec<Op> = post.into_iter().zip(writes).filter(|(_, write)| *write).map(|(entry, _)| Op::Set(entry.key, entry.value)).collect();
    read.for_each(|gone| deleted(gone, &mut out.ops));
    out.ops.extend(sets);
    summary.entry(layout::COUNTERS.to_owned()).or_default().changed += counters_written;
    for (table, count) in tables.into_iter().zip(counts) {
        let entry = summary.entry(table).or_default();
        (entry.created, entry.changed, entry.unchanged) = (count.created, count.changed, count.unchanged);
    }
    summary.retain(|_, s| *s != TableSummary::default());
    out.summary = summary;
    out
}

/// Per table, what a list of live writes does to the database read (image chunks and the
/// engine's records aside): for a rollback's report.
pub fn summarize(ops: &[Op], original: &Original) -> BTreeMap<String, TableSummary> {
    let mut summary: BTreeMap<String, TableSummary> = BTreeMap::new();
    for op in ops {
        let table = match layout::parse(op.key().as_bytes()) {
            Ok(layout::StoredKey::Live(Key::Object { table, .. })) if table != layout::ENGINE_TABLE => table,
            Ok(layout::StoredKey::Live(Key::Counter { .. })) => layout::COUNTERS.to_owned(),
            _ => continue,
        };
        let entry = summary.entry(table).or_default();
        match (op, original.had(op.key())) {
            (Op::Set(..), true) => entry.changed += 1,
            (Op::Set(..), false) => entry.created += 1,
            (Op::Delete(_), _) => entry.deleted += 1,
            (Op::Rename { .. }, _) => {}
        }
    }
    summary
}
