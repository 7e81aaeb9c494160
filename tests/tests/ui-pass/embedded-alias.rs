// A #[df_embedded] type alias: recorded under the lock's `aliases`, usable from any model like the type it names.
use df_schema::{df_embedded, df_model};

/// A TCP or UDP port.
#[df_embedded(lock = "embedded-alias.lock")]
pub type Port = u16;

#[df_model(version = 1, lock = "embedded-alias.lock")]
pub struct Listener {
    pub id: String,
    pub port: Port,
    pub fallbacks: Vec<Port>,
}

fn main() {
    let listener = Listener { id: "l1".into(), port: 443, fallbacks: vec![8443] };
    assert_eq!(serde_json::to_value(&listener).unwrap(), serde_json::json!({"id": "l1", "port": 443, "fallbacks": [8443]}));
}
