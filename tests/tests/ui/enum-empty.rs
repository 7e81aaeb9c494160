// Rule 7: an enum without variants has no value to store.
use df_schema::df_embedded;

#[df_embedded(lock = "enum-empty.lock")]
pub enum Never {}

fn main() {}
