//! Reading a whole database into memory: the objects as an `NbApi` for the migrations
//! (each kept as the bytes it was read as, see `df_schema::Stored`), the other live keys'
//! bytes, and which keys there were, to tell created keys from changed ones.

use crate::error::EngineError;
use crate::layout::{self, Key, Slot, ENGINE_TABLE, LOG_TABLE};
use crate::object_check::{shape, Shape};
use crate::records::{self, EngineState, LogRow, Manifest};
use crate::store::Store;
use df_schema::{NbApi, Stored};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A database in memory.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The data: every object of every table but the log and the engine's, and the counters.
    pub nb: NbApi,
    /// Every live key (data, counters, log, state; not the bookkeeping records).
    pub keys: BTreeSet<String>,
    /// The bytes of the live keys that are not in `nb` as objects: counters, the log and
    /// the state.
    pub records: BTreeMap<String, Vec<u8>>,
    pub log: Vec<LogRow>,
    pub state: Option<EngineState>,
    /// `{df_schema.}commit`, present if a commit was interrupted.
    pub commit: Option<Manifest>,
    /// `{df_schema.}backup`, the last upgrade's manifest.
    pub manifest: Option<Manifest>,
    /// Staging keys and drop marks left by an interrupted commit.
    pub staged: BTreeSet<String>,
    /// Backup keys (their values are read only by a rollback).
    pub backup: BTreeSet<String>,
}

impl Snapshot {
    /// Reads every key of the store. Values that are not what their key says (not JSON,
    /// not an object, an id that is not the key's, a counter that is not an integer) and
    /// keys outside the layout are refused, naming the key.
    ///
    /// The store reads on this thread while another checks and files what was read, so
    /// that checking overlaps the store's round trips.
    pub fn read(store: &mut dyn Store, mut progress: impl FnMut(usize)) -> Result<Snapshot, EngineError> {
        const BATCH: usize = 1024;
        let describe = store.describe();
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<(Vec<u8>, Vec<u8>)>>(64);
            let filer = scope.spawn(move || {
                let mut snapshot = Snapshot::default();
                for (key, value) in receiver.into_iter().flatten() {
                    // The first error is the one reported; the rest is drained unread.
                    snapshot.add(&describe, &key, value)?;
                }
                Ok(snapshot)
            });
            let mut batch = Vec::with_capacity(BATCH);
            let mut count = 0;
            let scanned = store.scan(&mut |key, value| {
                count += 1;
                progress(count);
                batch.push((key.to_vec(), value));
                if batch.len() == BATCH {
                    // A send fails only once the filer stopped at an error, reported below.
                    let _ = sender.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            let _ = sender.send(batch);
            drop(sender);
            let filed: Result<Snapshot, EngineError> = filer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            scanned?;
            filed
        })
    }

    fn add(&mut self, store: &str, raw_key: &[u8], value: Vec<u8>) -> Result<(), EngineError> {
        let slot = layout::parse(raw_key).map_err(|e| EngineError::Layout(e, store.to_owned()))?;
        let text = String::from_utf8_lossy(raw_key).into_owned();
        let bad = |what, reason: String| EngineError::BadValue { store: store.to_owned(), key: text.clone(), what, reason };
        let key = match slot {
            Slot::Staged(_) | Slot::Dropped(_) => {
                self.staged.insert(text);
                return Ok(());
            }
            Slot::Backup(_) => {
                self.backup.insert(text);
                return Ok(());
            }
            Slot::Live(key) => key,
        };
        match &key {
            Key::Counter { table } => {
                let number = std::str::from_utf8(&value).ok().and_then(|v| v.trim().parse::<i64>().ok());
                let number = number.ok_or_else(|| bad("a counter", "not a decimal integer".to_owned()))?;
                self.nb.set_counter(table, number);
            }
            Key::Object { table, id, .. } if table == ENGINE_TABLE => {
                let parse_manifest = |v: &[u8]| serde_json::from_slice::<Manifest>(v).map_err(|e| bad("a df-schema record", e.to_string()));
                match id.as_str() {
                    "state" => {
                        let state = serde_json::from_slice(&value).map_err(|e| bad("the df-schema state", e.to_string()))?;
                        self.state = Some(state);
                    }
                    "commit" => self.commit = Some(parse_manifest(&value)?),
                    "backup" => self.manifest = Some(parse_manifest(&value)?),
                    _ => {}
                }
                if records::is_bookkeeping(&text) {
                    return Ok(());
                }
            }
            Key::Object { table, id, .. } if table == LOG_TABLE => {
                let row: LogRow = serde_json::from_slice(&value).map_err(|e| bad("a migration log row", e.to_string()))?;
                if &row.id != id {
                    return Err(bad("a migration log row", format!("its id is {:?}", row.id)));
                }
                self.log.push(row);
            }
            Key::Object { table, topic, id } => {
                match shape(&value) {
                    Ok(Shape::Object { id: Some(Value::String(inner)) }) if inner == *id => {}
                    Ok(Shape::Object { id: other }) => {
                        return Err(bad("the object its key names", format!("its `id` is {}", other.map_or("absent".into(), |v| v.to_string()))));
                    }
                    Ok(Shape::Other(kind)) => return Err(bad("a JSON object", format!("it holds {kind}"))),
                    Err(e) => return Err(bad("JSON", e.to_string())),
                }
                if let Some(other) = self.nb.get_stored(table, id) {
                    return Err(bad("a unique id", format!("table `{table}` also has `{id}` in topic {:?}", other.topic())));
                }
                self.nb.insert(table, id, Stored::from_store(topic.as_str(), value));
                self.keys.insert(text);
                return Ok(());
            }
        }
        self.keys.insert(text.clone());
        self.records.insert(text, value);
        Ok(())
    }

    /// How many data objects there are (the log and the engine's records aside).
    pub fn objects(&self) -> usize {
        self.nb.tables().map(|t| self.nb.len(t)).sum()
    }

    /// The digest of the live data as read (see `crate::changes::digest`).
    pub fn digest(&self) -> String {
        let mut entries: Vec<(String, &[u8])> = self.records.iter().map(|(k, v)| (k.clone(), v.as_slice())).collect();
        for table in self.nb.tables() {
            for (id, stored) in self.nb.iter(table) {
                let bytes = stored.flushed_bytes().expect("a snapshot's objects are as read");
                entries.push((Key::object(table, stored.topic(), id).encode(), bytes));
            }
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        crate::changes::digest(entries.iter().map(|(k, v)| (k.as_str(), *v)))
    }
}
