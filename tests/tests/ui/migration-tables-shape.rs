// Rule 7: `tables = [...]` is a list, and not an empty one: the migration works on at least
// its model's table.
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 3, table = "lport", lock = "migration-tables-shape.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
    pub mtu: i64,
}

#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "2017-06-01 12:00:00",
    description = "tunnel_key becomes unique_key",
    tables = [],
    lock = "migration-tables-shape.lock"
)]
fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.rename_field("lport", "tunnel_key", "unique_key")
}

#[migration(
    model = LogicalPort,
    to = 3,
    release = "4.0",
    proposed_at = "2018-01-01 12:00:00",
    description = "every port gets the network's mtu",
    tables = "lport",
    lock = "migration-tables-shape.lock"
)]
fn lport_mtu(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.set_field("lport", "mtu", &1450.into());
    Ok(())
}

fn main() {}
