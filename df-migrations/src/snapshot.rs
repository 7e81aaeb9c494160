//! Reading a whole database into memory: the objects as an `NbApi` for the migrations,
//! and every live key's original bytes, which are the backup and tell unchanged objects
//! from changed ones.

use crate::error::EngineError;
use crate::layout::{self, Key, Slot, ENGINE_TABLE, LOG_TABLE};
use crate::records::{self, EngineState, LogRow, Manifest};
use crate::store::Store;
use df_schema::{NbApi, Stored};
use serde_json::Value;
use std::collections::BTreeMap;

/// A database in memory.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The data: every object of every table but the log and the engine's, and the counters.
    pub nb: NbApi,
    /// The original bytes of every live key (data, counters, log, state), by stored key.
    pub raw: BTreeMap<String, Vec<u8>>,
    pub log: Vec<LogRow>,
    pub state: Option<EngineState>,
    /// `{df_schema.}commit`, present if a commit was interrupted.
    pub commit: Option<Manifest>,
    /// `{df_schema.}backup`, the last upgrade's manifest.
    pub manifest: Option<Manifest>,
    /// Staged keys (with their staged values) left by an interrupted commit.
    pub staged: BTreeMap<String, Vec<u8>>,
    /// Backup keys with their values.
    pub backup: BTreeMap<String, Vec<u8>>,
}

impl Snapshot {
    /// Reads every key of the store. Values that are not what their key says (not JSON,
    /// not an object, an id that is not the key's, a counter that is not an integer) and
    /// keys outside the layout are refused, naming the key.
    pub fn read(store: &mut dyn Store, mut progress: impl FnMut(usize)) -> Result<Snapshot, EngineError> {
        let describe = store.describe();
        let mut snapshot = Snapshot::default();
        let mut first_error = None;
        let mut count = 0;
        store.scan(&mut |raw_key, value| {
            count += 1;
            progress(count);
            if first_error.is_none() {
                if let Err(e) = snapshot.add(&describe, raw_key, value) {
                    first_error = Some(e);
                }
            }
        })?;
        match first_error {
            Some(error) => Err(error),
            None => Ok(snapshot),
        }
    }

    fn add(&mut self, store: &str, raw_key: &[u8], value: Vec<u8>) -> Result<(), EngineError> {
        let slot = layout::parse(raw_key).map_err(|e| EngineError::Layout(e, store.to_owned()))?;
        let text = String::from_utf8_lossy(raw_key).into_owned();
        let bad = |what, reason: String| EngineError::BadValue { store: store.to_owned(), key: text.clone(), what, reason };
        let key = match slot {
            Slot::Staged(_) => {
                self.staged.insert(text.clone(), value);
                return Ok(());
            }
            Slot::Backup(_) => {
                self.backup.insert(text.clone(), value);
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
                if records::is_bookkeeping(&key) {
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
                let object = match serde_json::from_slice::<Value>(&value) {
                    Ok(Value::Object(object)) => object,
                    Ok(other) => return Err(bad("a JSON object", format!("it holds {}", kind(&other)))),
                    Err(e) => return Err(bad("JSON", e.to_string())),
                };
                match object.get("id") {
                    Some(Value::String(inner)) if inner == id => {}
                    other => return Err(bad("the object its key names", format!("its `id` is {}", other.map_or("absent".into(), Value::to_string)))),
                }
                if let Some(other) = self.nb.get_stored(table, id) {
                    return Err(bad("a unique id", format!("table `{table}` also has `{id}` in topic {:?}", other.topic)));
                }
                self.nb.insert(table, id, Stored { topic: topic.clone(), object });
            }
        }
        self.raw.insert(text, value);
        Ok(())
    }

    /// How many data objects there are (the log and the engine's records aside).
    pub fn objects(&self) -> usize {
        self.nb.tables().map(|t| self.nb.len(t)).sum()
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
