// Rule 2: a #[df_embedded] enum the lock does not record yet must be recorded on purpose.
use df_schema::df_embedded;

#[df_embedded(lock = "enum-not-recorded.lock")]
pub enum Status {
    Active,
    Retired,
}

fn main() {}
