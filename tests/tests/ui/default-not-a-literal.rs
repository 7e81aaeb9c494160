// Rule 7: a default is a JSON literal, not an expression (it is recorded in the lock).
use df_schema::df_model;

fn default_vnic_type() -> String {
    "normal".to_owned()
}

#[df_model(version = 1, table = "lport", lock = "default-not-a-literal.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    #[df(default = default_vnic_type())]
    pub binding_vnic_type: String,
}

fn main() {}
