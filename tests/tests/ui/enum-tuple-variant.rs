// Rule 7: a variant holds nothing, one value or named fields; a tuple of values is refused.
use df_schema::df_embedded;

#[df_embedded(lock = "enum-tuple-variant.lock")]
pub enum Location {
    Unknown,
    Rack(String),
    Slot(String, u32),
}

fn main() {}
