// Rule 3: versions go up one at a time (recorded v1, declared v3).
use df_schema::df_model;

#[df_model(version = 3, table = "chassis", lock = "version-skipped.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
    #[df(default = "geneve")]
    pub tunnel_types: String,
}

fn main() {}
