// Rule 7: #[migration] needs release, proposed_at and description.
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 2, table = "lport", lock = "migration-missing-keys.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
}

#[migration(model = LogicalPort, to = 2, lock = "migration-missing-keys.lock")]
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

fn main() {}
