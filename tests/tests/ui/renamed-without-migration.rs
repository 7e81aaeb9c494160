// Rule 6 (with rule 4): a table rename moves every object, so the step needs a #[migration] even with renamed_from.
use df_schema::df_model;

#[df_model(version = 2, table = "logical_port", renamed_from = "lport", lock = "renamed-without-migration.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
