// Rule 7: types that do not store safely or have no JSON form, each with what to use instead:
// a 128-bit integer is stored as a string of digits only as a struct field's own value.
use df_schema::{df_embedded, df_model};

#[df_model(version = 1, lock = "unsupported-types.lock")]
pub struct Meter {
    pub id: String,
    pub readings: Vec<u128>,
    pub pair: (String, i128),
    pub nothing: (),
}

#[df_embedded(lock = "unsupported-types.lock")]
pub struct Total(u128);

fn main() {}
