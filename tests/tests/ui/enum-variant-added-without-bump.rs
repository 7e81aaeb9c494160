// Rule 7: an enum that gained a variant changes the models that store it: they bump, as an automatic step.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-variant-added-without-bump.lock")]
pub enum Status {
    Active,
    Maintenance { until: String },
}

#[df_model(version = 1, lock = "enum-variant-added-without-bump.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
}

fn main() {}
