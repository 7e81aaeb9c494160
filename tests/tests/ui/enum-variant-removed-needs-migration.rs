// Rule 4: removing a variant is not automatic: objects holding it would no longer decode.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-variant-removed-needs-migration.lock")]
pub enum Status {
    Active,
    Retired,
}

#[df_model(version = 2, lock = "enum-variant-removed-needs-migration.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
}

fn main() {}
