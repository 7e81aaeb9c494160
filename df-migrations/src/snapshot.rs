//! Reading a whole database into memory: the objects as an `NbApi` for the migrations
//! (each kept as the bytes it was read as, see `df_schema::Stored`), the other live keys'
//! bytes, and which keys there were, to tell created keys from changed ones.

use crate::error::EngineError;
use crate::layout::{self, Key, KeyParts, StoredKey, ENGINE_TABLE, LOG_TABLE};
use crate::records::{self, EngineState, Intent, LogRow, Manifest, Run};
use crate::store::Store;
use df_schema::__private::{BadObject, EngineNb, EngineStored};
use df_schema::{NbApi, Stored};
use std::collections::{BTreeMap, BTreeSet};

/// A database in memory: its objects for the migrations, and the rest as read.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The data: every object of every table but the log and the engine's, and the counters.
    pub nb: NbApi,
    /// Everything else that was read, which stays as read while the migrations change `nb`.
    pub original: Original,
}

/// The database as read, but for its objects: which keys there were and the other live
/// keys' bytes (what a commit's writes are worked out against), and the engine's records.
#[derive(Debug, Default)]
pub struct Original {
    /// Every live key (data, counters, log, state; not the bookkeeping records), sorted.
    pub keys: Vec<String>,
    /// The bytes of the live keys that are not in `nb` as objects: counters, the log and
    /// the state.
    pub records: BTreeMap<String, Vec<u8>>,
    /// The migration log's rows, in key order.
    pub log: Vec<LogRow>,
    /// `{df_schema.}state`, absent in a database that predates df-schema.
    pub state: Option<EngineState>,
    /// `{df_schema.}commit`, present if a commit was interrupted.
    pub commit: Option<Manifest>,
    /// `{df_schema.}intent`, present if a commit may have left keys behind.
    pub intent: Option<Intent>,
    /// The run records, in order (see `crate::records::Run`), with a run read from a
    /// `{df_schema.}backup` record of df-schema before runs as run 0.
    pub runs: Vec<Run>,
    /// Whether there is such a `{df_schema.}backup` record.
    pub legacy_backup: bool,
    /// Staging keys and drop marks left by an interrupted commit.
    pub staged: BTreeSet<String>,
    /// The chunks of pre-upgrade images (see `crate::image`), with their commit tags.
    pub images: BTreeMap<String, String>,
}

impl Original {
    /// Whether `key` was a live key when read.
    pub fn had(&self, key: &str) -> bool {
        self.keys.binary_search_by(|k| k.as_str().cmp(key)).is_ok()
    }
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
            let builder = scope.spawn(move || {
                let mut builder = SnapshotBuilder::default();
                for (key, value) in receiver.into_iter().flatten() {
                    // The first error is the one reported; the rest is drained unread.
                    builder.add(&describe, key, value)?;
                }
                builder.finish(&describe)
            });
            let mut batch = Vec::with_capacity(BATCH);
            let mut count = 0;
            let scanned = store.scan("", &mut |key, value| {
                count += 1;
                progress(count);
                batch.push((key.to_vec(), value));
                if batch.len() == BATCH {
                    // A send fails only once the builder stopped at an error, reported below.
                    let _ = sender.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            let _ = sender.send(batch);
            drop(sender);
            let filed: Result<Snapshot, EngineError> = builder.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            scanned?;
            filed
        })
    }

    /// How many data objects there are (the log and the engine's records aside).
    pub fn objects(&self) -> usize {
        self.nb.tables().map(|t| self.nb.len(t)).sum()
    }

    /// Every live key, as the parts that join to it (a record's key is one part), with its
    /// value as read; records first, then each table's objects by id.
    pub fn live(&self) -> impl Iterator<Item = (KeyParts<'_>, &[u8])> {
        let records = self.original.records.iter().map(|(key, value)| ([key.as_str(), "", "", "", "", "", ""], value.as_slice()));
        let objects = self.nb.tables().flat_map(move |table| {
            self.nb.iter(table).map(move |(id, stored)| {
                (layout::key_parts(table, stored.topic(), "", id), stored.flushed_bytes().expect("a snapshot's objects are as read"))
            })
        });
        records.chain(objects)
    }

    /// Every live key with its value as read, sorted by key.
    pub fn entries(&self) -> Vec<(String, &[u8])> {
        let mut entries: Vec<(String, &[u8])> = self.live().map(|(parts, value)| (parts.concat(), value)).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        entries
    }
}

/// Files what the store reads into a [`Snapshot`]. Objects and keys arrive in the store's
/// order (hash order on Redis); they are collected unsorted and sorted once at the end,
/// which costs far less than a million inserts at random places of a tree.
#[derive(Default)]
struct SnapshotBuilder {
    snapshot: Snapshot,
    /// Per table, its objects by id, unsorted.
    objects: BTreeMap<String, Vec<(String, Stored)>>,
}

/// A key read as text, invalid UTF-8 replaced (the layout refuses such keys first).
fn text(raw_key: Vec<u8>) -> String {
    String::from_utf8(raw_key).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl SnapshotBuilder {
    fn add(&mut self, store: &str, raw_key: Vec<u8>, value: Vec<u8>) -> Result<(), EngineError> {
        let stored_key = layout::parse(&raw_key).map_err(|e| EngineError::Layout(e, store.to_owned()))?;
        let key = match stored_key {
            StoredKey::Staged(_) | StoredKey::Dropped(_) => match layout::marked_object(&raw_key, &value) {
                Some(key) => key,
                None => {
                    self.snapshot.original.staged.insert(text(raw_key));
                    return Ok(());
                }
            },
            StoredKey::Image { tag, .. } => {
                self.snapshot.original.images.insert(text(raw_key), tag);
                return Ok(());
            }
            StoredKey::Live(key) => key,
        };
        self.add_live(store, key, text(raw_key), value)
    }

    fn add_live(&mut self, store: &str, key: Key, text: String, value: Vec<u8>) -> Result<(), EngineError> {
        let bad = |what, reason: String| EngineError::BadValue { store: store.to_owned(), key: text.clone(), what, reason };
        let original = &mut self.snapshot.original;
        match key {
            Key::Counter { table } => {
                // Unique keys are allocated upwards from zero: a negative counter is damage.
                let number = std::str::from_utf8(&value).ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|n| *n >= 0);
                let number = number.ok_or_else(|| bad("a counter", "not a non-negative decimal integer".to_owned()))?;
                self.snapshot.nb.set_counter(&table, number);
            }
            Key::Object { table, id, .. } if table == ENGINE_TABLE => {
                let parse_manifest = |v: &[u8]| serde_json::from_slice::<Manifest>(v).map_err(|e| bad("a df-schema record", e.to_string()));
                match id.as_str() {
                    "state" => {
                        let state = serde_json::from_slice(&value).map_err(|e| bad("the df-schema state", e.to_string()))?;
                        original.state = Some(state);
                    }
                    "commit" => original.commit = Some(parse_manifest(&value)?),
                    "backup" => {
                        original.runs.push(Run::from_legacy(parse_manifest(&value)?));
                        original.legacy_backup = true;
                    }
                    run if run.starts_with(records::RUN_PREFIX) => {
                        original.runs.push(serde_json::from_slice(&value).map_err(|e| bad("a df-schema run record", e.to_string()))?);
                    }
                    "intent" => original.intent = Some(serde_json::from_slice(&value).map_err(|e| bad("a df-schema record", e.to_string()))?),
                    _ => {}
                }
                if records::is_bookkeeping(&text) {
                    return Ok(());
                }
            }
            Key::Object { table, id, .. } if table == LOG_TABLE => {
                let row: LogRow = serde_json::from_slice(&value).map_err(|e| bad("a migration log row", e.to_string()))?;
                if row.id != id {
                    return Err(bad("a migration log row", format!("its id is {:?}", row.id)));
                }
                original.log.push(row);
            }
            Key::Object { table, topic, id } => {
                let stored = Stored::from_store(topic, &id, value).map_err(|refused| match refused {
                    BadObject::NotJson(e) => bad("JSON", e),
                    BadObject::NotAnObject(kind) => bad("a JSON object", format!("it holds {kind}")),
                    BadObject::WrongId(found) => bad("the object its key names", format!("its `id` is {found}")),
                })?;
                self.objects.entry(table).or_default().push((id, stored));
                original.keys.push(text);
                return Ok(());
            }
        }
        original.keys.push(text.clone());
        original.records.insert(text, value);
        Ok(())
    }

    /// Sorts what was filed; refuses an id that two topics of one table share. The keys
    /// sort on a core of their own while the tables sort here: the store has finished
    /// reading, and everything waits for this.
    fn finish(self, store: &str) -> Result<Snapshot, EngineError> {
        let SnapshotBuilder { mut snapshot, objects } = self;
        let mut keys = std::mem::take(&mut snapshot.original.keys);
        std::thread::scope(|scope| {
            let sorting = scope.spawn(|| keys.sort_unstable());
            let filed = SnapshotBuilder::file_tables(&mut snapshot.nb, objects, store);
            sorting.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            filed
        })?;
        snapshot.original.keys = keys;
        snapshot.original.runs.sort_by_key(|run| run.seq);
        Ok(snapshot)
    }

    fn file_tables(nb: &mut NbApi, objects: BTreeMap<String, Vec<(String, Stored)>>, store: &str) -> Result<(), EngineError> {
        for (table, mut objects) in objects {
            // By topic within an id, so that a shared id is reported the same way every time.
            objects.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.topic().cmp(b.1.topic())));
            if let Some(pair) = objects.windows(2).find(|pair| pair[0].0 == pair[1].0) {
                let (id, (first, second)) = (&pair[0].0, (pair[0].1.topic(), pair[1].1.topic()));
                return Err(EngineError::BadValue {
                    store: store.to_owned(),
                    key: Key::object(&table, second, id).encode(),
                    what: "a unique id",
                    reason: format!("table `{table}` also has `{id}` in topic {first:?}"),
                });
            }
            nb.load_table(&table, objects);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn object(id: &str) -> String {
        format!(r#"{{"id": "{id}", "name": "n"}}"#)
    }

    #[test]
    fn objects_and_keys_are_filed_sorted_whatever_order_they_come_in() {
        let mut store = MemoryStore::new();
        // Written in an order that is not key order, as Redis's `SCAN` returns them.
        for (table, topic, id) in [("lport", "t2", "p3"), ("lport", "t1", "p1"), ("chassis", "", "c1"), ("lport", "t1", "p2")] {
            store.insert(&Key::object(table, topic, id).encode(), object(id));
        }
        store.insert(&Key::counter("lport").encode(), "7");
        let snapshot = Snapshot::read(&mut store, |_| {}).unwrap();
        assert_eq!(snapshot.nb.ids("lport"), ["p1", "p2", "p3"]);
        assert_eq!(snapshot.nb.get_stored("lport", "p3").unwrap().topic(), "t2");
        assert_eq!(snapshot.objects(), 4);
        assert!(snapshot.original.keys.windows(2).all(|pair| pair[0] < pair[1]), "{:?}", snapshot.original.keys);
        assert_eq!(snapshot.original.keys.len(), 5);
        assert!(snapshot.original.had(&Key::object("lport", "t2", "p3").encode()));
        assert!(!snapshot.original.had(&Key::object("lport", "t1", "p3").encode()));
        assert_eq!(snapshot.nb.counter("lport"), 7);
    }

    #[test]
    fn an_id_in_two_topics_of_one_table_is_refused_naming_both() {
        let mut store = MemoryStore::new();
        store.insert(&Key::object("lport", "tenant-b", "p1").encode(), object("p1"));
        store.insert(&Key::object("lport", "tenant-a", "p1").encode(), object("p1"));
        store.insert(&Key::object("lport", "tenant-a", "p2").encode(), object("p2"));
        let error = Snapshot::read(&mut store, |_| {}).unwrap_err();
        let EngineError::BadValue { key, what, reason, .. } = &error else { panic!("{error:?}") };
        assert_eq!(*what, "a unique id");
        assert_eq!(reason, "table `lport` also has `p1` in topic \"tenant-a\"");
        assert_eq!(*key, Key::object("lport", "tenant-b", "p1").encode());
    }
}
