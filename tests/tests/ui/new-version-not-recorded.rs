// Rule 2: a new version of a recorded model must be recorded with bless.
use df_schema::df_model;

#[df_model(version = 2, table = "chassis", lock = "new-version-not-recorded.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
    #[df(default = "geneve")]
    pub tunnel_types: String,
}

fn main() {}
