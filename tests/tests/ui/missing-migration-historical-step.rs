// Rule 4: every non-automatic step of the history needs a #[migration], not only the latest one (1 -> 2 has none).
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 3, table = "lport", lock = "missing-migration-historical-step.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
    pub lswitch: String,
}

#[migration(
    model = LogicalPort,
    to = 3,
    release = "4.0",
    proposed_at = "2018-03-01 09:00:00",
    description = "every port names its logical switch",
    lock = "missing-migration-historical-step.lock"
)]
fn lport_lswitch(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.fill_default("lport", "lswitch", &"default".into());
    Ok(())
}

fn main() {}
