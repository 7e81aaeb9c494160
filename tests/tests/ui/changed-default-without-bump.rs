// Rule 1: a field's default changed but the model kept its recorded version.
use df_schema::df_model;

#[df_model(version = 1, table = "chassis", lock = "changed-default-without-bump.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
    #[df(default = "vxlan")]
    pub tunnel_types: String,
}

fn main() {}
