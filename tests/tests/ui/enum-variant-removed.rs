// Rule 7: a #[df_embedded] enum that lost a variant is reported on the enum, naming the models to bump.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-variant-removed.lock")]
pub enum Status {
    Active,
    Retired,
}

#[df_model(version = 1, lock = "enum-variant-removed.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
}

fn main() {}
