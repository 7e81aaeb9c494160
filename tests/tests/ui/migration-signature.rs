// Rule 7: a migration is a plain `fn(nb: &mut NbApi) -> Result<(), MigrationError>` (not async, not generic).
use df_schema::{df_model, migration, NbApi};

#[df_model(version = 2, table = "lport", lock = "migration-signature.lock")]
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
    lock = "migration-signature.lock"
)]
async fn lport_unique_key<S>(nb: &mut NbApi) {
    let _ = nb.rename_field("lport", "tunnel_key", "unique_key");
}

fn main() {}
