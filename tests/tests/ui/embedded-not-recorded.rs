// Rule 7: a #[df_embedded] struct must be recorded in the lock before models can use it.
use df_schema::{df_embedded, df_model};

#[df_embedded(lock = "embedded-not-recorded.lock")]
pub struct HostRoute {
    pub destination: String,
    pub nexthop: String,
}

#[df_model(version = 2, table = "lsubnet", lock = "embedded-not-recorded.lock")]
pub struct Subnet {
    pub id: String,
    pub topic: String,
    pub cidr: String,
    #[df(default = [])]
    pub host_routes: Vec<HostRoute>,
}

fn main() {}
