// A migration may cover a step that would be automatic, to compute the new field
// instead of filling the constant default.
use df_schema::{df_model, migration, MigrationError, NbApi};
use serde_json::json;

#[df_model(version = 2, table = "chassis", lock = "migration-for-auto-step.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
    #[df(default = "")]
    pub hostname: String,
}

#[migration(model = Chassis, to = 2, release = "4.0", proposed_at = "2018-01-01 00:00:00",
            description = "chassis: hostname defaults to the id", id = "chassis-hostname")]
fn chassis_hostname(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.update_each("chassis", |id, chassis| {
        chassis.insert("hostname".into(), json!(id));
        Ok(())
    })
}

fn main() {
    let migrations = df_schema::registry::migrations();
    assert_eq!(migrations[0].id, "chassis-hostname");
    let mut nb = NbApi::new();
    nb.put("chassis", json!({"id": "node-1", "ip": "10.0.0.1"}).as_object().unwrap().clone()).unwrap();
    migrations[0].run(&mut nb).unwrap();
    let chassis: Chassis = nb.get_model("node-1").unwrap().unwrap();
    assert_eq!(chassis.hostname, "node-1");
}
