// An integer widened (u16 -> u32, u8 -> i16): every stored value still decodes, so the step is automatic.
use df_schema::core::steps_of;
use df_schema::{df_model, Model};

#[df_model(version = 2, lock = "int-widened-automatically.lock")]
pub struct Listener {
    pub id: String,
    pub port: u32,
    pub weight: i16,
}

fn main() {
    let steps = steps_of(Listener::NAME, Listener::history(), Listener::VERSION);
    assert_eq!(steps.len(), 1);
    assert!(steps[0].is_automatic(), "{}", steps[0].summary());
    let v1 = &Listener::history().versions[&1];
    assert!(v1.schema.object_ty().accepts(&serde_json::json!({"id": "l1", "port": 65535, "weight": 255})));
    assert!(!v1.schema.object_ty().accepts(&serde_json::json!({"id": "l1", "port": 65536, "weight": 0})), "v1 held a u16");
    let read: Listener = serde_json::from_value(serde_json::json!({"id": "l1", "port": 65535, "weight": 255})).unwrap();
    assert_eq!((read.port, read.weight), (65535, 255));
}
