// Rule 7: an enum field's default is a variant without data, checked at compile time on the literal.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "enum-default-not-a-variant.lock")]
pub enum Status {
    Active,
    Retired,
}

#[df_model(version = 1, lock = "enum-default-not-a-variant.lock")]
pub struct Host {
    pub id: String,
    pub status: Status,
    #[df(default = "Lost")]
    pub fallback: Status,
}

fn main() {}
