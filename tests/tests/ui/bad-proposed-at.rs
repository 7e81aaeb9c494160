// Rule 7: #[migration(proposed_at = ...)] must be a timestamp (it orders migrations).
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 2, table = "lport", lock = "bad-proposed-at.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
}

#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "01/06/2017",
    description = "tunnel_key becomes unique_key",
    lock = "bad-proposed-at.lock"
)]
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

fn main() {}
