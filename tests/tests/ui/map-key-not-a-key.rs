// Rule 7: a map's keys must store as JSON object keys; `bool` keys do not.
use df_schema::df_model;
use std::collections::BTreeMap;

#[df_model(version = 1, lock = "map-key-not-a-key.lock")]
pub struct Meter {
    pub id: String,
    pub readings: BTreeMap<bool, f64>,
}

fn main() {}
