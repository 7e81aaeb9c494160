// Rule 7: a model is a struct with named fields (the names are the JSON members).
use df_schema::df_model;

#[df_model(version = 1, table = "lport", lock = "tuple-struct.lock")]
pub struct LogicalPort(pub String, pub String, pub i64);

fn main() {}
