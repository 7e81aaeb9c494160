// An enum that gains a variant: the model's step is automatic, and both forms store as serde writes them.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-variant-added.lock")]
pub enum Status {
    Active,
    Maintenance { until: String },
}

#[df_model(version = 2, lock = "enum-variant-added.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
}

fn main() {
    let active = serde_json::to_value(Host { id: "h1".into(), status: Status::Active }).unwrap();
    assert_eq!(active, serde_json::json!({"id": "h1", "status": "Active"}));
    let away = Host { id: "h2".into(), status: Status::Maintenance { until: "2027-01-01".into() } };
    assert_eq!(serde_json::to_value(&away).unwrap(), serde_json::json!({"id": "h2", "status": {"Maintenance": {"until": "2027-01-01"}}}));
    let read: Host = serde_json::from_value(serde_json::json!({"id": "h3", "status": "Active"})).unwrap();
    assert!(matches!(read.status, Status::Active));
    assert!(serde_json::from_value::<Host>(serde_json::json!({"id": "h4", "status": "Lost"})).is_err());
}
