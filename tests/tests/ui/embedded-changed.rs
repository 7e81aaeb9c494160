// Rule 7: a #[df_embedded] struct that differs from its recorded shape is reported on the struct, once.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "embedded-changed.lock")]
pub struct HostRoute {
    pub destination: String,
    pub nexthop: String,
    pub metric: i64,
}

#[df_model(version = 1, table = "lsubnet", lock = "embedded-changed.lock")]
pub struct Subnet {
    pub id: String,
    pub topic: String,
    pub cidr: String,
    #[df(default = [])]
    pub host_routes: Vec<HostRoute>,
}

fn main() {}
