// A per-object step: the migration takes one object of the model's table at a time, and
// runs on every object of that table. Its `down` function undoes it, so head code can
// write objects for code at v1.
use df_schema::registry::MigrationFn;
use df_schema::{df_model, migration, MigrationError, NbApi, Object};

#[df_model(version = 2, table = "lport", release = "3.0", lock = "per-object-step.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
}

#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "2017-06-01 12:00:00",
    description = "lport: tunnel_key becomes unique_key",
    down = lport_tunnel_key
)]
fn lport_unique_key(id: &str, port: &mut Object) -> Result<(), MigrationError> {
    df_schema::fields::rename_member(port, "tunnel_key", "unique_key").map_err(|message| MigrationError::object("lport", id, message))
}

fn lport_tunnel_key(id: &str, port: &mut Object) -> Result<(), MigrationError> {
    df_schema::fields::rename_member(port, "unique_key", "tunnel_key").map_err(|message| MigrationError::object("lport", id, message))
}

fn main() {
    let migrations = df_schema::registry::migrations();
    let [entry] = migrations.as_slice() else { panic!("one migration is registered") };
    assert!(matches!(entry.run, MigrationFn::Each(_)), "registered as per-object");

    let mut nb = NbApi::new();
    for (id, key) in [("p1", 7), ("p2", 8)] {
        let old = serde_json::json!({"id": id, "topic": "tenant1", "tunnel_key": key});
        nb.put("lport", old.as_object().unwrap().clone()).unwrap();
    }
    entry.run(&mut nb).unwrap();
    let ports = nb.models::<LogicalPort>().unwrap();
    assert_eq!(ports.iter().map(|p| p.unique_key).collect::<Vec<_>>(), [7, 8]);
    assert_eq!(nb.get_stored("lport", "p2").unwrap().topic(), "tenant1");

    let both = serde_json::json!({"id": "p3", "tunnel_key": 1, "unique_key": 2});
    nb.put("lport", both.as_object().unwrap().clone()).unwrap();
    assert_eq!(
        entry.run(&mut nb).unwrap_err().to_string(),
        "table `lport`, object `p3`: cannot rename `tunnel_key` to `unique_key`: both are present"
    );

    let port = LogicalPort { id: "p9".into(), topic: "tenant1".into(), unique_key: 9 };
    let v1 = df_schema::convert::encode_at(&port, 1).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&v1).unwrap(), serde_json::json!({"id": "p9", "topic": "tenant1", "tunnel_key": 9}));
    assert_eq!(df_schema::convert::decode_at::<LogicalPort>(&v1, 1).unwrap().unique_key, 9, "down to v1 and back up");
}
