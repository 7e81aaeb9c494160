// Rule 7: #[df_model] needs `version = N`.
use df_schema::df_model;

#[df_model(table = "lport", lock = "missing-version.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
