//! Logical routers. Unchanged since 2.0.

use crate::host_route::HostRoute;
use df_schema::{df_embedded, df_model};

/// A Neutron router, stored in its tenant's topic: `{lrouter.<topic>}<id>`.
#[df_model(version = 1, table = "lrouter", release = "2.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct LogicalRouter {
    /// Neutron's id of the router, as in its key.
    pub id: String,
    /// The Neutron project (tenant) that owns it, as in its key.
    pub topic: String,
    /// The name given in Neutron, if any.
    pub name: Option<String>,
    /// Neutron's revision of the object (not the schema version).
    pub version: i64,
    /// The datapath's key for the router.
    pub unique_key: i64,
    /// The router's interfaces.
    pub ports: Vec<RouterPort>,
    /// Extra static routes.
    pub routes: Vec<HostRoute>,
}

/// A router's interface on a logical switch.
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub struct RouterPort {
    /// The id of the logical port that is the interface.
    pub id: String,
    /// The Neutron project (tenant) of the interface's port.
    pub topic: String,
    /// The datapath's key for the interface's port.
    pub unique_key: i64,
    /// The interface's MAC address.
    pub mac: String,
    /// The id of the switch the interface is on.
    pub lswitch: String,
    /// The interface's address with its prefix, e.g. `"10.0.0.1/24"`.
    pub network: String,
}
