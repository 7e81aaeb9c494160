// A table renamed with renamed_from and nothing else changed: an automatic step, the framework moves the objects.
use df_schema::df_model;

#[df_model(version = 2, table = "logical_port", renamed_from = "lport", lock = "table-renamed-automatically.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
