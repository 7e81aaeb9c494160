// Rule 4: renaming a field is not automatic, so the step needs a #[migration] (the message points out the rename).
use df_schema::df_model;

#[df_model(version = 2, table = "lport", lock = "missing-migration-field-renamed.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub unique_key: i64,
}

fn main() {}
