// Rule 7: unknown and repeated keys in #[df_model(...)] are each reported on their own tokens.
use df_schema::df_model;

#[df_model(version = 1, tabel = "lport", table = "lport", version = 1, realease = "1.0", lock = "unknown-and-duplicate-keys.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
}

fn main() {}
