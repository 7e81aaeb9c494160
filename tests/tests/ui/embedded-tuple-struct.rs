// Rule 7: a #[df_embedded] struct has named fields, or exactly one unnamed field (a newtype).
use df_schema::df_embedded;

#[df_embedded(lock = "embedded-tuple-struct.lock")]
pub struct Range(pub u32, pub u32);

fn main() {}
