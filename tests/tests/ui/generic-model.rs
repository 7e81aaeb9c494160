// Rule 7: a model cannot be generic (a stored shape is one concrete type).
use df_schema::df_model;

#[df_model(version = 1, table = "lport", lock = "generic-model.lock")]
pub struct LogicalPort<K> {
    pub id: String,
    pub topic: String,
    pub tunnel_key: K,
}

fn main() {}
