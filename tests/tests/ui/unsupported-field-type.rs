// Rule 7: a stored field has a type that maps to JSON (a borrowed string does not: a
// stored object owns its data).
use df_schema::df_model;

#[df_model(version = 1, table = "chassis", lock = "unsupported-field-type.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
    pub tunnel_port: &'static str,
}

fn main() {}
