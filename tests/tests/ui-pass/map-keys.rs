// Maps with integer keys or enum keys store as JSON objects, the keys as their text, and the lock records the key type.
use df_schema::{df_embedded, df_model};
use std::collections::{BTreeMap, HashMap};

#[df_embedded(lock = "map-keys.lock")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shift {
    Day,
    Night,
}

#[df_model(version = 1, lock = "map-keys.lock")]
pub struct Switch {
    pub id: String,
    pub port_names: BTreeMap<u16, String>,
    pub staff: BTreeMap<Shift, u32>,
    pub by_initial: HashMap<char, u32>,
}

fn main() {
    let switch = Switch {
        id: "sw1".into(),
        port_names: BTreeMap::from([(80, "http".to_owned())]),
        staff: BTreeMap::from([(Shift::Night, 2)]),
        by_initial: HashMap::new(),
    };
    let json = serde_json::to_value(&switch).unwrap();
    assert_eq!(json, serde_json::json!({"id": "sw1", "port_names": {"80": "http"}, "staff": {"Night": 2}, "by_initial": {}}));
    let read: Switch = serde_json::from_value(json).unwrap();
    assert_eq!(read.staff[&Shift::Night], 2);
}
