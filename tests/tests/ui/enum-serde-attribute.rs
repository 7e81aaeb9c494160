// Rule 7: the stored form is derived from the variants, so serde attributes are refused,
// on the enum and on a variant, all at once.
use df_schema::df_embedded;

#[df_embedded(lock = "enum-serde-attribute.lock")]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    #[serde(rename = "gone")]
    Retired,
}

fn main() {}
