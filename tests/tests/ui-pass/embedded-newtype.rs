// A #[df_embedded] newtype is stored as the value it wraps, and usable from several fields and models.
use df_schema::{df_embedded, df_model};

/// A temperature.
#[df_embedded(lock = "embedded-newtype.lock")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Celsius(pub f64);

#[df_model(version = 1, lock = "embedded-newtype.lock")]
pub struct Sensor {
    pub id: String,
    pub reading: Celsius,
    pub limit: Option<Celsius>,
    pub history: Vec<Celsius>,
}

fn main() {
    let sensor = Sensor { id: "s1".into(), reading: Celsius(21.5), limit: None, history: vec![Celsius(20.0)] };
    assert_eq!(serde_json::to_value(&sensor).unwrap(), serde_json::json!({"id": "s1", "reading": 21.5, "limit": null, "history": [20.0]}));
    let read: Sensor = serde_json::from_value(serde_json::json!({"id": "s2", "reading": 3, "history": []})).unwrap();
    assert_eq!((read.reading, read.limit), (Celsius(3.0), None));
}
