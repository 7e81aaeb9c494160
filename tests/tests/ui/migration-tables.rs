// Rule 7: `tables = [...]` lists, as string literals, every table a migration that takes
// the whole database reads or writes (its model's included, so never none); a per-object
// migration works on its model's table alone.
use df_schema::{df_model, migration, MigrationError, NbApi, Object};

#[df_model(version = 5, table = "lport", lock = "migration-tables.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
    pub mtu: i64,
    pub name: String,
    pub enabled: bool,
}

#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "2017-06-01 12:00:00",
    description = "tunnel_key becomes unique_key",
    tables = ["lport"],
    lock = "migration-tables.lock"
)]
fn lport_unique_key(_id: &str, port: &mut Object) -> Result<(), MigrationError> {
    df_schema::fields::rename_member(port, "tunnel_key", "unique_key").map_err(|m| MigrationError::table("lport", m))
}

#[migration(
    model = LogicalPort,
    to = 3,
    release = "4.0",
    proposed_at = "2018-01-01 12:00:00",
    description = "every port gets the network's mtu",
    tables = ["lport", 3, "", "lport"],
    lock = "migration-tables.lock"
)]
fn lport_mtu(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.set_field("lport", "mtu", &1450.into());
    Ok(())
}

#[migration(
    model = LogicalPort,
    to = 4,
    release = "4.0",
    proposed_at = "2018-02-01 12:00:00",
    description = "every port gets a name",
    tables = [],
    lock = "migration-tables.lock"
)]
fn lport_name(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.set_field("lport", "name", &"".into());
    Ok(())
}

#[migration(
    model = LogicalPort,
    to = 5,
    release = "5.0",
    proposed_at = "2019-01-01 12:00:00",
    description = "every port is enabled",
    tables = "lport",
    lock = "migration-tables.lock"
)]
fn lport_enabled(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.set_field("lport", "enabled", &true.into());
    Ok(())
}

fn main() {}
