// Rule 7: a migration takes the whole database (`nb: &mut NbApi`) or one object at a time
// (`id: &str, object: &mut Object`); a removal always takes the whole database.
use df_schema::{df_model, migration, MigrationError, NbApi, Object};

#[df_model(version = 2, table = "lport", lock = "migration-arguments.lock")]
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
    description = "tunnel_key becomes unique_key",
    lock = "migration-arguments.lock"
)]
fn lport_unique_key(nb: &mut NbApi, table: &str, strict: bool) -> Result<(), MigrationError> {
    let _ = (table, strict);
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

#[migration(
    removes = "OvsPort",
    release = "4.0",
    proposed_at = "2018-02-01 12:00:00",
    description = "ovs_port is gone",
    lock = "migration-arguments.lock"
)]
fn drop_ovs_port(_id: &str, _port: &mut Object) -> Result<(), MigrationError> {
    Ok(())
}

fn main() {}
