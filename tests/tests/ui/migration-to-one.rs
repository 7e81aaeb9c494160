// Rule 5: version 1 is a model's creation, so no #[migration] goes to = 1.
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 1, table = "lport", lock = "migration-to-one.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

#[migration(
    model = LogicalPort,
    to = 1,
    release = "1.0",
    proposed_at = "2016-10-01 12:00:00",
    description = "create the lport table",
    lock = "migration-to-one.lock"
)]
fn lport_create(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.set_counter("lport", 0);
    Ok(())
}

fn main() {}
