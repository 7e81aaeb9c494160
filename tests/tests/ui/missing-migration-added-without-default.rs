// Rule 4: a field added without a default is not automatic, so the step needs a #[migration].
use df_schema::df_model;

#[df_model(version = 2, table = "lport", lock = "missing-migration-added-without-default.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
    pub lswitch: String,
}

fn main() {}
