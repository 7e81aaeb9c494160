// Rule 5: a #[migration] goes to a version the model has (to = 5, LogicalPort is at v2).
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 2, table = "lport", lock = "migration-for-missing-version.lock")]
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
    lock = "migration-for-missing-version.lock"
)]
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

#[migration(
    model = LogicalPort,
    to = 5,
    release = "5.0",
    proposed_at = "2019-01-15 10:00:00",
    description = "drop stale ports",
    lock = "migration-for-missing-version.lock"
)]
fn lport_v5(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.update_each("lport", |_, _| Ok(()))
}

fn main() {}
