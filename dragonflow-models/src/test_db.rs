//! Test support: a database given and shown in the store's own key layout,
//! `{<table>.<topic>}<id>`, so that a test reads as what an operator's store holds before
//! and after a migration, topics included.

use df_schema::NbApi;
use serde_json::{Map, Value};

/// An `NbApi` holding `objects`, a JSON object from store keys to stored objects.
pub fn load(objects: Value) -> NbApi {
    let mut nb = NbApi::new();
    let Value::Object(objects) = objects else { panic!("a test database maps store keys to objects") };
    for (key, object) in objects {
        let (table, topic, id) = split_key(&key);
        let Value::Object(object) = object else { panic!("{key}: a stored object is a JSON object") };
        assert_eq!(object.get("id").and_then(Value::as_str), Some(id), "{key}: a stored object's `id` is its key's");
        nb.put_in_topic(table, topic, object).expect("an object with its id");
    }
    nb
}

/// A table's objects as a JSON object from store keys to objects.
pub fn dump(nb: &NbApi, table: &str) -> Value {
    let objects: Map<String, Value> = nb
        .iter(table)
        .map(|(id, stored)| (format!("{{{table}.{}}}{id}", stored.topic()), Value::Object(stored.object().clone())))
        .collect();
    Value::Object(objects)
}

fn split_key(key: &str) -> (&str, &str, &str) {
    let parts = key.strip_prefix('{').and_then(|rest| rest.split_once('}'));
    let Some((slot, id)) = parts else { panic!("{key} is not a store key `{{table.topic}}id`") };
    let Some((table, topic)) = slot.split_once('.') else { panic!("{key} is not a store key `{{table.topic}}id`") };
    (table, topic, id)
}
