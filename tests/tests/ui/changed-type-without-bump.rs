// Rule 1: fields were retyped (int -> str, required -> optional) but the model kept its recorded version.
use df_schema::df_model;

#[df_model(version = 1, table = "lport", lock = "changed-type-without-bump.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: String,
    pub device_owner: Option<String>,
}

fn main() {}
