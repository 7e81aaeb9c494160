// Rule 7: every model needs `id: String`, its key.
use df_schema::df_model;

#[df_model(version = 1, table = "lport", lock = "missing-id.lock")]
pub struct LogicalPort {
    pub uuid: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
