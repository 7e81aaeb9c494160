// A model may not be stored in a table that the engine keeps its own records in.
use df_schema::df_model;

#[df_model(version = 1, table = "schema_migration", lock = "reserved-table.lock")]
pub struct AuditEntry {
    pub id: String,
    pub message: String,
}

fn main() {}
