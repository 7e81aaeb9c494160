use df_schema::{df_model, migration, MigrationError, NbApi, Object};

#[df_model(version = 2, table = "lport", release = "3.0", lock = "down-wrong-signature.lock")]
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

fn lport_tunnel_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "unique_key", "tunnel_key")
}

fn main() {}
