use df_schema::{df_model, migration, MigrationError, NbApi, Object};

#[df_model(version = 2, table = "lport", release = "3.0", lock = "down-on-whole-database.lock")]
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
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

fn lport_tunnel_key(_id: &str, _port: &mut Object) -> Result<(), MigrationError> {
    Ok(())
}

fn main() {}
