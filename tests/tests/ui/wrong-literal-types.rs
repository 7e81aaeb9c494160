// Rule 7: literals of the wrong kind (version, table, a default that does not fit its field) are each reported.
use df_schema::df_model;

#[df_model(version = "1", table = 5, lock = "wrong-literal-types.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    #[df(default = "none")]
    pub tunnel_key: i64,
}

fn main() {}
