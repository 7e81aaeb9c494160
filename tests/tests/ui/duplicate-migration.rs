// Rule 5: one step has exactly one #[migration] (two cover LogicalPort v1 -> v2).
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 2, table = "lport", lock = "duplicate-migration.lock")]
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
    lock = "duplicate-migration.lock"
)]
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "2017-06-02 08:30:00",
    description = "rename tunnel_key to unique_key",
    lock = "duplicate-migration.lock"
)]
fn lport_rename_tunnel_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

fn main() {}
