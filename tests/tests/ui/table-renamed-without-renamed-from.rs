// Rule 6: a version that changes the table must say renamed_from = "<old table>".
use df_schema::df_model;

#[df_model(version = 2, table = "logical_port", lock = "table-renamed-without-renamed-from.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
