// Rule 6: renamed_from must name a table an earlier version used (here the table did not even change).
use df_schema::df_model;

#[df_model(version = 2, table = "lport", renamed_from = "ovs_port", lock = "renamed-from-without-table-change.lock")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    pub tunnel_key: i64,
    #[df(default = "normal")]
    pub binding_vnic_type: String,
}

fn main() {}
