// Rule 4: renaming a variant is a removal and an addition: the step needs a migration naming both.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-variant-renamed-needs-migration.lock")]
pub enum Status {
    Active,
    Retired,
}

#[df_model(version = 2, lock = "enum-variant-renamed-needs-migration.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
}

fn main() {}
