//! `NbApi`: what migrations program against, and, behind `__private`, what the engine
//! needs to load, run and write back a database (see `engine`).

mod check;
mod engine;
pub mod fields;
mod same_json;
mod stored;
mod typed;

pub use check::BadObject;
pub use engine::{EngineNb, EngineStored};
pub use stored::Stored;

use crate::MigrationError;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A JSON object as stored.
pub type Object = Map<String, Value>;

/// Objects [`NbApi::update_each`] holds parsed at once.
const UPDATE_CHUNK: usize = 4096;

/// The in-memory database migrations run on.
///
/// It holds a whole database in memory, in its stored (old) shape: per table, JSON
/// objects keyed by id, each in its topic (its partition, part of its key), plus the
/// per-table unique-key counters. Migrations run on it one after another; the engine
/// loads it from a store, and writes it back only when every step and the validation of
/// the result succeeded, so a migration never touches the database directly.
///
/// Every operation keeps an object's topic unless told otherwise.
///
/// A migration's body, and how to test it without a store:
///
/// ```
/// use df_schema::{MigrationError, NbApi};
/// use serde_json::json;
///
/// /// 3.0: ports get a unique key, and `tunnel_key` is renamed `unique_key`.
/// fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
///     nb.rename_field("lport", "tunnel_key", "unique_key")?;
///     for id in nb.ids("lport") {
///         let mut port = nb.get("lport", &id).cloned().expect("listed just above");
///         if port.get("unique_key").is_none_or(|key| key.is_null()) {
///             port.insert("unique_key".into(), json!(nb.allocate_unique_key("lport")?));
///             nb.put("lport", port)?;
///         }
///     }
///     Ok(())
/// }
///
/// let mut nb = NbApi::new();
/// let port = |value: serde_json::Value| value.as_object().cloned().unwrap();
/// nb.put_in_topic("lport", "tenant1", port(json!({"id": "p1", "tunnel_key": 7})))?;
/// nb.put_in_topic("lport", "tenant1", port(json!({"id": "p2"})))?;
/// nb.set_counter("lport", 7);
///
/// lport_unique_key(&mut nb)?;
///
/// assert_eq!(nb.get("lport", "p1").unwrap()["unique_key"], 7);
/// assert_eq!(nb.get("lport", "p2").unwrap()["unique_key"], 8);
/// assert_eq!(nb.get_stored("lport", "p2").unwrap().topic(), "tenant1", "topics are kept");
/// # Ok::<(), MigrationError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NbApi {
    tables: BTreeMap<String, BTreeMap<String, Stored>>,
    counters: BTreeMap<String, i64>,
    /// The object `update_each` last handed to a migration, so that a migration that
    /// panics can be reported with the object it was on.
    position: Option<(String, String)>,
    /// The only tables this part of a database may touch, when it was split off for a
    /// migration that declared them (see `EngineNb::within`).
    scope: Option<BTreeSet<String>>,
}

impl NbApi {
    /// An empty database.
    pub fn new() -> NbApi {
        NbApi::default()
    }

    /// The names of the tables that hold at least one object, sorted.
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().filter(|(_, t)| !t.is_empty()).map(|(name, _)| name.as_str())
    }

    /// The number of objects in a table.
    pub fn len(&self, table: &str) -> usize {
        self.check(table);
        self.tables.get(table).map_or(0, BTreeMap::len)
    }

    /// Whether the whole database is empty (no objects, no counters).
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(BTreeMap::is_empty) && self.counters.is_empty()
    }

    /// The ids of a table's objects, in ascending byte order.
    pub fn ids(&self, table: &str) -> Vec<String> {
        self.check(table);
        self.tables.get(table).map(|t| t.keys().cloned().collect()).unwrap_or_default()
    }

    /// A table's objects with their ids and topics, in ascending id order.
    pub fn iter(&self, table: &str) -> impl Iterator<Item = (&str, &Stored)> {
        self.check(table);
        self.tables.get(table).into_iter().flat_map(|t| t.iter().map(|(id, s)| (id.as_str(), s)))
    }

    /// The object `id` of a table.
    pub fn get(&self, table: &str, id: &str) -> Option<&Object> {
        self.get_stored(table, id).map(Stored::object)
    }

    /// The object `id` of a table with its topic.
    pub fn get_stored(&self, table: &str, id: &str) -> Option<&Stored> {
        self.check(table);
        self.tables.get(table)?.get(id)
    }

    /// Stores an object under its `id` member. An existing object keeps its topic; a new
    /// one takes its `topic` member, or the empty topic when it has none.
    pub fn put(&mut self, table: &str, object: Object) -> Result<(), MigrationError> {
        self.check(table);
        let id = object_id(table, &object)?;
        match self.tables.get_mut(table).and_then(|t| t.get_mut(&id)) {
            Some(existing) => existing.set_object(object),
            None => {
                let topic = object.get("topic").and_then(Value::as_str).unwrap_or_default().to_owned();
                self.insert(table, &id, Stored::new(topic, object));
            }
        }
        Ok(())
    }

    /// Stores an object in an explicit topic, e.g. when a migration creates objects of a
    /// new table from another table's objects.
    pub fn put_in_topic(&mut self, table: &str, topic: &str, object: Object) -> Result<(), MigrationError> {
        self.check(table);
        let id = object_id(table, &object)?;
        match self.tables.get_mut(table).and_then(|t| t.get_mut(&id)) {
            Some(existing) if existing.topic() == topic => existing.set_object(object),
            _ => self.insert(table, &id, Stored::new(topic, object)),
        }
        Ok(())
    }

    /// Removes an object, returning it.
    pub fn delete(&mut self, table: &str, id: &str) -> Option<Stored> {
        self.check(table);
        self.tables.get_mut(table)?.remove(id)
    }

    /// Removes a whole table, returning its objects (for a model's removal migration).
    pub fn drop_table(&mut self, table: &str) -> BTreeMap<String, Stored> {
        self.check(table);
        self.tables.remove(table).unwrap_or_default()
    }

    /// Runs `f` on every object of a table, in id order. An error stops and is returned
    /// with the table and id it happened on, unless it already names an object.
    ///
    /// Objects are parsed for `f` and written back to JSON right after, a few thousand at
    /// a time, so that a pass over a large table holds little parsed at once (see
    /// [`Stored`]); parsing and writing back, most of a pass, run on every core.
    pub fn update_each(
        &mut self,
        table: &str,
        mut f: impl FnMut(&str, &mut Object) -> Result<(), MigrationError>,
    ) -> Result<(), MigrationError> {
        self.check(table);
        let mut objects: Vec<(&String, &mut Stored)> = self.tables.get_mut(table).into_iter().flatten().collect();
        for chunk in objects.chunks_mut(UPDATE_CHUNK) {
            crate::__private::parallel::for_each_mut(chunk, |(_, stored)| {
                stored.object_mut();
            });
            for (id, stored) in chunk.iter_mut() {
                self.position = Some((table.to_owned(), (*id).clone()));
                f(id, stored.object_mut())?;
            }
            crate::__private::parallel::for_each_mut(chunk, |(_, stored)| stored.flush());
        }
        self.position = None;
        Ok(())
    }

    /// Moves one object to another table, keeping its topic.
    pub fn move_object(&mut self, from: &str, to: &str, id: &str) -> Result<(), MigrationError> {
        if self.get_stored(to, id).is_some() {
            return Err(MigrationError::table(to, format!("cannot move `{id}` from `{from}`: `{to}` already has it")));
        }
        let stored = self.delete(from, id).ok_or_else(|| MigrationError::object(from, id, "no such object to move"))?;
        self.insert(to, id, stored);
        Ok(())
    }

    /// Moves every object of a table to another (a model's table rename), keeping topics,
    /// and the unique-key counter with them. Refuses to overwrite anything.
    pub fn move_table(&mut self, from: &str, to: &str) -> Result<(), MigrationError> {
        self.check(from);
        self.check(to);
        if let Some(id) = self.ids(from).into_iter().find(|id| self.get_stored(to, id).is_some()) {
            return Err(MigrationError::table(to, format!("cannot move table `{from}` here: both hold `{id}`")));
        }
        if self.counters.contains_key(from) && self.counters.contains_key(to) {
            return Err(MigrationError::table(to, format!("cannot move table `{from}` here: both have a unique-key counter")));
        }
        for (id, stored) in self.drop_table(from) {
            self.insert(to, &id, stored);
        }
        if let Some(counter) = self.counters.remove(from) {
            self.counters.insert(to.to_owned(), counter);
        }
        Ok(())
    }

    /// A table's unique-key counter (`{unique_key.}<table>`); 0 when absent.
    pub fn counter(&self, table: &str) -> i64 {
        self.check(table);
        self.counters.get(table).copied().unwrap_or(0)
    }

    /// All counters that exist, by table.
    pub fn counters(&self) -> &BTreeMap<String, i64> {
        &self.counters
    }

    /// Sets a table's unique-key counter, e.g. to the highest key its objects use.
    pub fn set_counter(&mut self, table: &str, value: i64) {
        self.check(table);
        self.counters.insert(table.to_owned(), value);
    }

    /// Increments a table's counter and returns the new value (Redis `INCR` semantics);
    /// refuses a counter that would pass `i64::MAX`, as `INCR` does.
    pub fn allocate_unique_key(&mut self, table: &str) -> Result<i64, MigrationError> {
        self.check(table);
        let counter = self.counters.entry(table.to_owned()).or_insert(0);
        *counter = counter
            .checked_add(1)
            .ok_or_else(|| MigrationError::table(table, format!("the unique-key counter is at {counter} and cannot give another key; set it to the highest key the table uses")))?;
        Ok(*counter)
    }
}

impl NbApi {
    /// Refuses, by panicking, a table outside the scope of a split-off part: a migration
    /// that touches a table it did not declare is a bug in it, which the engine reports
    /// as the migration's panic, naming it.
    pub(crate) fn check(&self, table: &str) {
        if let Some(scope) = &self.scope {
            if !scope.contains(table) {
                let declared: Vec<&str> = scope.iter().map(String::as_str).collect();
                panic!("table `{table}` is not among the tables this migration declares ({declared:?}): add it to `#[migration(tables = […])]`");
            }
        }
    }
}

fn object_id(table: &str, object: &Object) -> Result<String, MigrationError> {
    match object.get("id") {
        Some(Value::String(id)) => Ok(id.clone()),
        _ => Err(MigrationError::table(table, "cannot store an object without a string `id`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn obj(value: Value) -> Object {
        value.as_object().cloned().expect("test objects are objects")
    }

    #[test]
    fn put_keeps_the_topic_of_an_existing_object() {
        let mut nb = NbApi::new();
        nb.put("lport", obj(json!({"id": "p1", "topic": "tenant1"}))).unwrap();
        assert_eq!(nb.get_stored("lport", "p1").unwrap().topic(), "tenant1");
        // A migration rewriting the object without its topic member keeps the partition.
        nb.put("lport", obj(json!({"id": "p1", "name": "x"}))).unwrap();
        assert_eq!(nb.get_stored("lport", "p1").unwrap().topic(), "tenant1");
        nb.put("chassis", obj(json!({"id": "c1"}))).unwrap();
        assert_eq!(nb.get_stored("chassis", "c1").unwrap().topic(), "");
        assert!(nb.put("chassis", obj(json!({"name": "no id"}))).is_err());
    }

    #[test]
    fn ids_are_in_byte_order_and_tables_skip_empty_ones() {
        let mut nb = NbApi::new();
        for id in ["b", "a", "B", "aa"] {
            nb.put("t", obj(json!({ "id": id }))).unwrap();
        }
        assert_eq!(nb.ids("t"), ["B", "a", "aa", "b"]);
        nb.put("u", obj(json!({"id": "x"}))).unwrap();
        nb.delete("u", "x");
        assert_eq!(nb.tables().collect::<Vec<_>>(), ["t"]);
        assert_eq!(nb.len("t"), 4);
    }

    #[test]
    fn load_table_puts_many_objects_in_id_order_replacing_those_of_their_ids() {
        let stored = |topic: &str, id: &str| (id.to_owned(), Stored::new(topic, obj(json!({ "id": id }))));
        let mut nb = NbApi::new();
        nb.load_table("t", vec![stored("t1", "b"), stored("t1", "a")]);
        assert_eq!(nb.ids("t"), ["a", "b"]);
        nb.load_table("t", vec![stored("t2", "c"), stored("t2", "a")]);
        assert_eq!(nb.ids("t"), ["a", "b", "c"]);
        assert_eq!(nb.get_stored("t", "a").unwrap().topic(), "t2");
        assert_eq!(nb.get_stored("t", "b").unwrap().topic(), "t1");
    }

    #[test]
    fn move_table_keeps_topics_and_counters_and_never_overwrites() {
        let mut nb = NbApi::new();
        nb.put_in_topic("ovs_port", "", obj(json!({"id": "o1"}))).unwrap();
        nb.put_in_topic("ovs_port", "t9", obj(json!({"id": "o2"}))).unwrap();
        nb.set_counter("ovs_port", 7);
        nb.move_table("ovs_port", "switch_port").unwrap();
        assert_eq!(nb.len("ovs_port"), 0);
        assert_eq!(nb.get_stored("switch_port", "o2").unwrap().topic(), "t9");
        assert_eq!(nb.counter("switch_port"), 7);
        assert!(!nb.counters().contains_key("ovs_port"));

        nb.put("ovs_port", obj(json!({"id": "o1"}))).unwrap();
        let err = nb.move_table("ovs_port", "switch_port").unwrap_err();
        assert_eq!(err.to_string(), "table `switch_port`: cannot move table `ovs_port` here: both hold `o1`");
        assert_eq!(nb.len("ovs_port"), 1, "a refused move changes nothing");
        assert!(nb.move_object("ovs_port", "switch_port", "o1").is_err());
        assert!(nb.move_object("ovs_port", "other", "missing").is_err());
        nb.move_object("ovs_port", "other", "o1").unwrap();
        assert!(nb.get("other", "o1").is_some());
    }

    #[test]
    fn unique_keys_count_up_from_the_stored_counter() {
        let mut nb = NbApi::new();
        assert_eq!(nb.counter("lswitch"), 0);
        assert_eq!(nb.allocate_unique_key("lswitch"), Ok(1));
        nb.set_counter("secgroup", 41);
        assert_eq!(nb.allocate_unique_key("secgroup"), Ok(42));
        nb.set_counter("lport", i64::MAX);
        assert!(nb.allocate_unique_key("lport").is_err(), "no wrapping around");
        assert_eq!(nb.counter("lport"), i64::MAX);
        assert_eq!(nb.counter("secgroup"), 42);
    }

    #[test]
    fn update_each_visits_in_id_order_and_stops_at_the_first_error() {
        let mut nb = NbApi::new();
        for id in ["c", "a", "b"] {
            nb.put("t", obj(json!({ "id": id, "n": 1 }))).unwrap();
        }
        let mut seen = Vec::new();
        let result = nb.update_each("t", |id, o| {
            seen.push(id.to_owned());
            if id == "b" {
                return Err(MigrationError::object("t", id, "bad"));
            }
            o.insert("n".into(), json!(2));
            Ok(())
        });
        assert_eq!(result.unwrap_err().to_string(), "table `t`, object `b`: bad");
        assert_eq!(nb.position(), Some(("t", "b")), "where it stopped");
        assert_eq!(seen, ["a", "b"]);
        assert_eq!(nb.get("t", "a").unwrap()["n"], 2);
        assert_eq!(nb.get("t", "c").unwrap()["n"], 1);
    }

    #[test]
    fn within_sees_its_tables_alone_and_puts_them_back_even_after_a_panic() {
        let mut nb = NbApi::new();
        for table in ["a", "b", "c"] {
            nb.put(table, obj(json!({ "id": "x" }))).unwrap();
            nb.set_counter(table, 7);
        }
        let before = nb.clone();
        nb.within(&["a", "b"], |part| {
            assert_eq!(part.tables().collect::<Vec<_>>(), ["a", "b"]);
            part.move_table("a", "b").unwrap_err();
            part.put("b", obj(json!({ "id": "y" }))).unwrap();
            assert_eq!(part.allocate_unique_key("b"), Ok(8));
        });
        assert_eq!((nb.ids("b"), nb.counter("b"), nb.ids("c")), (vec!["x".to_owned(), "y".to_owned()], 8, vec!["x".to_owned()]));

        let mut nb = before.clone();
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| nb.within(&["a"], |part| part.len("c"))));
        let message = refused.unwrap_err().downcast::<String>().unwrap();
        assert_eq!(*message, r#"table `c` is not among the tables this migration declares (["a"]): add it to `#[migration(tables = […])]`"#);
        assert_eq!(nb, before, "put back as it was");
        for refused in [
            |nb: &mut NbApi| {
                let _ = nb.counter("c");
            },
            |nb: &mut NbApi| {
                let _ = nb.get("c", "x");
            },
            |nb: &mut NbApi| {
                let _ = nb.delete("c", "x");
            },
            |nb: &mut NbApi| {
                let _ = nb.update_each_par("c", |_, _| Ok::<(), ()>(()));
            },
            |nb: &mut NbApi| {
                let _ = nb.move_table("a", "c");
            },
        ] {
            let mut nb = before.clone();
            assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| nb.within(&["a"], refused))).is_err());
        }
    }
}
