// Rule 4: a variant whose data changes shape needs a migration.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-variant-data-changed-needs-migration.lock")]
pub enum Status {
    Active,
    Moved { rack: String, slot: u32 },
}

#[df_model(version = 2, lock = "enum-variant-data-changed-needs-migration.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
}

fn main() {}
