// A table rename (`renamed_from`) with the migration that moves the data, keeping each
// object's key; the step is recorded with both tables.
use df_schema::{df_model, migration, MigrationError, Model, NbApi};

#[df_model(version = 2, table = "switch_port", renamed_from = "ovs_port", release = "4.0",
           lock = "rename-with-migration.lock")]
pub struct SwitchPort {
    pub id: String,
    pub port_num: Option<i64>,
}

#[migration(model = SwitchPort, to = 2, release = "4.0", proposed_at = "2018-02-01 00:00:00",
            description = "ovs_port becomes switch_port; ofport becomes port_num")]
fn switch_port(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.move_table("ovs_port", "switch_port")?;
    nb.rename_field("switch_port", "ofport", "port_num")
}

fn main() {
    let history = SwitchPort::history();
    assert_eq!(history.versions[&1].schema.table, "ovs_port");
    assert_eq!(history.versions[&2].schema.table, "switch_port");
    let mut nb = NbApi::new();
    nb.put("ovs_port", serde_json::json!({"id": "o1", "ofport": 3}).as_object().unwrap().clone()).unwrap();
    df_schema::registry::migrations()[0].run(&mut nb).unwrap();
    assert_eq!(nb.len("ovs_port"), 0);
    assert_eq!(nb.get_model::<SwitchPort>("o1").unwrap().unwrap().port_num, Some(3));

    // A step that moves the table cannot be per-object: it moves objects.
    let entry = df_schema::registry::models().into_iter().find(|m| m.name == SwitchPort::NAME).unwrap();
    assert_eq!(
        entry.per_object_table(2).unwrap_err().to_string(),
        "table `ovs_port`: SwitchPort moves from table `ovs_port` to `switch_port`, which a per-object migration cannot do: \
         take `nb: &mut NbApi` and call `nb.move_table(\"ovs_port\", \"switch_port\")`"
    );
}
