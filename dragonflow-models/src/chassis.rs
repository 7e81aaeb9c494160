//! Chassis: the nodes that run a Dragonflow local controller.
//!
//! | version | release | change |
//! |---|---|---|
//! | 1 | 2.0 | baseline: one `tunnel_type` |
//! | 2 | 3.0 | `tunnel_type` becomes the list `tunnel_types`: migration `chassis_v2_tunnel_types` |

use df_schema::{df_model, migration, MigrationError, Object};
use serde_json::Value;

/// A compute or network node, stored without a topic: `{chassis.}<id>`.
#[df_model(version = 2, table = "chassis", release = "3.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct Chassis {
    /// The host name.
    pub id: String,
    /// The address other chassis tunnel to.
    pub ip: String,
    /// The chassis' address on the external network, where it has one.
    pub external_host_ip: Option<String>,
    /// The tunnel encapsulations the chassis speaks, e.g. `["vxlan", "geneve"]`.
    pub tunnel_types: Vec<String>,
}

/// 3.0: a chassis may speak several tunnel types. `"vxlan"` becomes `["vxlan"]`; a
/// chassis without one (`null` or absent) gets `[]`.
#[migration(
    model = Chassis,
    to = 2,
    release = "3.0",
    proposed_at = "2017-06-14 09:30:00",
    description = "chassis: tunnel_type becomes the list tunnel_types",
    id = "chassis-v2-tunnel-types"
)]
fn chassis_v2_tunnel_types(id: &str, chassis: &mut Object) -> Result<(), MigrationError> {
    let tunnel_types = match chassis.remove("tunnel_type") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(tunnel_type)) => vec![Value::String(tunnel_type)],
        Some(other) => {
            return Err(MigrationError::object("chassis", id, format!("`tunnel_type` is {other}, not a string or null")));
        }
    };
    chassis.insert("tunnel_types".to_owned(), Value::Array(tunnel_types));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{dump, load};
    use serde_json::json;

    #[test]
    fn tunnel_type_becomes_a_list_and_none_becomes_empty() {
        let mut nb = load(json!({
            "{chassis.}compute-1": {"id": "compute-1", "ip": "192.0.2.11", "external_host_ip": null, "tunnel_type": "vxlan"},
            "{chassis.}compute-2": {"id": "compute-2", "ip": "192.0.2.12", "external_host_ip": "198.51.100.12", "tunnel_type": "geneve"},
            "{chassis.}network-1": {"id": "network-1", "ip": "192.0.2.21", "external_host_ip": null, "tunnel_type": null},
            "{chassis.}network-2": {"id": "network-2", "ip": "192.0.2.22"},
        }));
        nb.update_each("chassis", chassis_v2_tunnel_types).unwrap();
        assert_eq!(
            dump(&nb, "chassis"),
            json!({
                "{chassis.}compute-1": {"id": "compute-1", "ip": "192.0.2.11", "external_host_ip": null, "tunnel_types": ["vxlan"]},
                "{chassis.}compute-2": {"id": "compute-2", "ip": "192.0.2.12", "external_host_ip": "198.51.100.12", "tunnel_types": ["geneve"]},
                "{chassis.}network-1": {"id": "network-1", "ip": "192.0.2.21", "external_host_ip": null, "tunnel_types": []},
                "{chassis.}network-2": {"id": "network-2", "ip": "192.0.2.22", "tunnel_types": []},
            })
        );
        for chassis in nb.models::<Chassis>().unwrap() {
            assert!(chassis.tunnel_types.len() <= 1);
        }
    }

    #[test]
    fn a_tunnel_type_that_is_not_a_string_is_refused() {
        let mut nb = load(json!({"{chassis.}node-1": {"id": "node-1", "ip": "192.0.2.1", "tunnel_type": ["vxlan"]}}));
        let error = nb.update_each("chassis", chassis_v2_tunnel_types).unwrap_err();
        assert_eq!(error, MigrationError::object("chassis", "node-1", "`tunnel_type` is [\"vxlan\"], not a string or null"));
    }
}
