// A struct renamed: a new model in the old one's table, and the old one's removal, which leaves its objects to the new one.
use df_schema::{df_model, migration, MigrationError, NbApi};

#[df_model(version = 1, table = "host", lock = "struct-renamed.lock")]
pub struct Server {
    pub id: String,
}

#[migration(removes = "Host", release = "2.0", proposed_at = "2026-02-01 00:00:00",
            description = "Host is now Server, in the same table", lock = "struct-renamed.lock")]
fn host_becomes_server(_nb: &mut NbApi) -> Result<(), MigrationError> {
    Ok(())
}

fn main() {}
