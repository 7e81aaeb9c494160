// Rule 1: the model changed (a field renamed) but kept its recorded version.
use df_schema::df_model;

#[df_model(version = 1, table = "lport", lock = "changed-without-bump.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
}

fn main() {}
