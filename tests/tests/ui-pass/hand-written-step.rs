// A hand-written step: the rename of `tunnel_key` to `unique_key` is covered by a
// #[migration], which is registered with its metadata and runs on an NbApi.
use df_schema::{df_model, migration, MigrationError, Model, NbApi};

#[df_model(version = 2, table = "lport", release = "3.0", lock = "hand-written-step.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
}

/// Keeps the value: Dragonflow 3.0 renamed the member.
#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "2017-06-01T14:00:00+02:00",
    description = "lport: tunnel_key becomes unique_key"
)]
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

fn main() {
    let migrations = df_schema::registry::migrations();
    let [entry] = migrations.as_slice() else { panic!("one migration is registered") };
    assert!(entry.id.ends_with("::lport_unique_key"), "{}", entry.id);
    assert_eq!(entry.proposed_at, "2017-06-01T12:00:00Z", "normalized to UTC");
    assert_eq!((entry.release, entry.description), ("3.0", "lport: tunnel_key becomes unique_key"));
    assert_eq!(entry.checksum.len(), 16);
    assert!(matches!(entry.target, df_schema::registry::MigrationTarget::Step { model, to: 2 } if model == LogicalPort::NAME));

    let mut nb = NbApi::new();
    let old = serde_json::json!({"id": "p1", "topic": "tenant1", "tunnel_key": 7});
    nb.put("lport", old.as_object().unwrap().clone()).unwrap();
    entry.run(&mut nb).unwrap();
    let port: LogicalPort = nb.get_model("p1").unwrap().unwrap();
    assert_eq!(port.unique_key, 7);
    assert_eq!(nb.get_stored("lport", "p1").unwrap().topic(), "tenant1");
}
