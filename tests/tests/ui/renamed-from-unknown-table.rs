// Rule 6: renamed_from must name the table the previous version used (here a typo: "lprot").
use df_schema::df_model;

#[df_model(version = 2, table = "logical_port", renamed_from = "lprot", lock = "renamed-from-unknown-table.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
