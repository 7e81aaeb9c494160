// serde_json::Value by any path, char and fixed arrays store as their JSON forms.
use df_schema::df_model;
use serde_json::Value;

#[df_model(version = 1, lock = "value-char-array.lock")]
pub struct Reading {
    pub id: String,
    pub raw: Value,
    pub grade: char,
    pub samples: [u16; 3],
}

fn main() {
    let reading = Reading { id: "r1".into(), raw: serde_json::json!({"any": [1]}), grade: 'A', samples: [1, 2, 3] };
    assert_eq!(serde_json::to_value(&reading).unwrap(), serde_json::json!({"id": "r1", "raw": {"any": [1]}, "grade": "A", "samples": [1, 2, 3]}));
}
