// Rule 4: removing a field is not automatic, so the step needs a #[migration].
use df_schema::df_model;

#[df_model(version = 2, table = "lport", lock = "missing-migration-field-removed.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
