// Rule 7: a default is checked against the width an alias names, as against the type itself.
use df_schema::{df_embedded, df_model};

/// A TCP or UDP port.
#[df_embedded(lock = "default-out-of-range-alias.lock")]
pub type Port = u16;

#[df_model(version = 1, lock = "default-out-of-range-alias.lock")]
pub struct Listener {
    pub id: String,
    #[df(default = 70000)]
    pub port: Port,
}

fn main() {}
