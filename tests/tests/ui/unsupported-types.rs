// Rule 7: types that do not store safely or have no named JSON form, each with what to use instead.
use df_schema::df_model;

#[df_model(version = 1, lock = "unsupported-types.lock")]
pub struct Meter {
    pub id: String,
    pub total: u128,
    pub pair: (String, u32),
    pub nothing: (),
}

fn main() {}
