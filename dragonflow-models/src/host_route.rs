//! Static routes, which both subnets ([`Subnet::host_routes`](crate::Subnet::host_routes),
//! pushed to VMs over DHCP) and routers ([`LogicalRouter::routes`](crate::LogicalRouter::routes))
//! hold. Unchanged since 2.0.

use df_schema::df_embedded;

/// A route to `destination` (a CIDR) through `nexthop` (an IP address).
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub struct HostRoute {
    /// The destination network, as a CIDR.
    pub destination: String,
    /// The address of the next hop.
    pub nexthop: String,
}
