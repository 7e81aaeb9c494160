// An automatic step: v2 only adds fields with defaults, so it needs no migration, and
// objects stored as v1 decode as v2 with the recorded defaults.
use df_schema::core::steps_of;
use df_schema::{df_model, Model};

#[df_model(version = 2, table = "lport", release = "5.0", lock = "auto-step.lock")]
#[derive(Debug, PartialEq)]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub name: Option<String>,
    #[df(default = "normal")]
    pub binding_vnic_type: String,
    pub qos_policy: Option<String>,
}

fn main() {
    assert_eq!((LogicalPort::NAME, LogicalPort::TABLE, LogicalPort::VERSION), ("LogicalPort", "lport", 2));
    let steps = steps_of(LogicalPort::NAME, LogicalPort::history(), LogicalPort::VERSION);
    assert_eq!(steps.len(), 1);
    assert!(steps[0].is_automatic(), "{}", steps[0].summary());

    let v1_object = serde_json::json!({"id": "p1", "topic": "t1", "name": null});
    let port: LogicalPort = serde_json::from_value(v1_object).unwrap();
    assert_eq!(port.binding_vnic_type, "normal");
    assert_eq!(port.qos_policy, None);
    let leftover = serde_json::json!({"id": "p1", "topic": "t1", "tunnel_key": 3});
    let lenient: LogicalPort = serde_json::from_value(leftover.clone()).unwrap();
    assert_eq!(lenient.id, "p1", "older code reads an object a newer version added members to");
    let strict = df_schema::registry::decode_strict::<LogicalPort>(leftover.to_string().as_bytes());
    assert_eq!(strict.unwrap_err(), "unknown member `tunnel_key`: v2 of LogicalPort has no such field");
}
