//! Switch ports: the ports of the integration bridge on each chassis (VM taps, tunnels,
//! patch ports), as the local controller reports them. Stored as `ovs_port` until 4.0.
//!
//! | version | release | table | change |
//! |---|---|---|---|
//! | 1 | 2.0 | `ovs_port` | baseline |
//! | 2 | 4.0 | `switch_port` | table renamed; `ofport` → `port_num`, `iface_id` → `lport`, type `"vm"` → `"compute"`: migration `switch_port_v2_from_ovs_port` |
//! | 3 | 5.0 | `switch_port` | `peer_bridge` removed: migration `switch_port_v3_no_peer_bridge` |
//!
//! The model keeps its name across the rename: a model is identified by its struct name
//! in the lock and in the database, and `renamed_from` on the version that moved the table
//! says where its objects were.

use df_schema::fields::rename_member;
use df_schema::{df_model, migration, MigrationError, NbApi, Object};
use serde_json::Value;

/// A port of a chassis' switch, stored without a topic: `{switch_port.}<id>`.
#[df_model(version = 3, table = "switch_port", release = "5.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchPort {
    /// The port's id, as in its key.
    pub id: String,
    /// The interface name, e.g. `"tap4f1c0a2b-11"`.
    pub name: Option<String>,
    /// The switch's port number (`OpenFlow` `ofport`).
    pub port_num: Option<i64>,
    /// `"up"` or `"down"`.
    pub admin_state: Option<String>,
    /// The id of the logical port plugged in here.
    pub lport: Option<String>,
    /// `"compute"`, `"tunnel"`, `"bridge"`, `"patch"`, …
    pub r#type: Option<String>,
    /// The other end of a patch port.
    pub peer: Option<String>,
    /// The MAC address of the interface itself.
    pub mac_in_use: Option<String>,
    /// The MAC address of the VM interface plugged into the port.
    pub attached_mac: Option<String>,
    /// The encapsulation of a tunnel port.
    pub tunnel_type: Option<String>,
}

/// 4.0: `ovs_port` becomes the switch-neutral `switch_port`. Every object moves to the
/// new table under the same id and topic; `ofport` becomes `port_num`, `iface_id`
/// becomes `lport`, and a VM's port is now a `"compute"` port.
#[migration(
    model = SwitchPort,
    to = 2,
    release = "4.0",
    proposed_at = "2018-02-05 10:00:00",
    description = "ovs_port becomes switch_port: ofport becomes port_num, iface_id becomes lport, type vm becomes compute",
    id = "switch-port-v2-from-ovs-port",
    tables = ["ovs_port", "switch_port"]
)]
fn switch_port_v2_from_ovs_port(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.move_table("ovs_port", "switch_port")?;
    // One pass for the three changes: each pass parses and rewrites every port.
    nb.update_each("switch_port", |id, port| {
        let renamed = rename_member(port, "ofport", "port_num").and_then(|()| rename_member(port, "iface_id", "lport"));
        renamed.map_err(|message| MigrationError::object("switch_port", id, message))?;
        if port.get("type").and_then(Value::as_str) == Some("vm") {
            port.insert("type".to_owned(), Value::from("compute"));
        }
        Ok(())
    })
}

/// 5.0: switch ports no longer record `peer_bridge`, the bridge at a patch port's other end.
#[migration(
    model = SwitchPort,
    to = 3,
    release = "5.0",
    proposed_at = "2019-02-18 10:00:00",
    description = "switch_port: peer_bridge removed",
    id = "switch-port-v3-no-peer-bridge"
)]
fn switch_port_v3_no_peer_bridge(_id: &str, port: &mut Object) -> Result<(), MigrationError> {
    port.remove("peer_bridge");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{dump, load};
    use serde_json::json;

    #[test]
    fn ovs_ports_move_to_switch_port_with_new_member_names() {
        let mut nb = load(json!({
            "{ovs_port.}tap-vm1": {"id": "tap-vm1", "name": "tapvm1", "ofport": 5, "admin_state": "up", "iface_id": "port-vm1",
                                   "type": "vm", "peer": null, "peer_bridge": null, "mac_in_use": "fe:16:3e:00:00:05",
                                   "attached_mac": "fa:16:3e:00:00:05", "tunnel_type": null},
            "{ovs_port.}vxlan": {"id": "vxlan", "name": "vxlan-tun", "ofport": 2, "admin_state": "up", "iface_id": null,
                                 "type": "tunnel", "peer": null, "peer_bridge": null, "mac_in_use": null,
                                 "attached_mac": null, "tunnel_type": "vxlan"},
            "{ovs_port.}patch-ex": {"id": "patch-ex", "name": "patch-ex", "ofport": 3, "iface_id": null, "type": "patch",
                                    "peer": "patch-int", "peer_bridge": "br-ex"},
            "{ovs_port.}br-int": {"id": "br-int", "name": "br-int", "ofport": null, "type": "bridge"},
            // Ports in a topic keep it, although Dragonflow stored ovs_port without one.
            "{ovs_port.odd}unknown": {"id": "unknown", "type": null},
        }));
        switch_port_v2_from_ovs_port(&mut nb).unwrap();
        assert_eq!(nb.len("ovs_port"), 0, "no ovs_port object remains");
        assert_eq!(
            dump(&nb, "switch_port"),
            json!({
                "{switch_port.}tap-vm1": {"id": "tap-vm1", "name": "tapvm1", "port_num": 5, "admin_state": "up", "lport": "port-vm1",
                                          "type": "compute", "peer": null, "peer_bridge": null, "mac_in_use": "fe:16:3e:00:00:05",
                                          "attached_mac": "fa:16:3e:00:00:05", "tunnel_type": null},
                "{switch_port.}vxlan": {"id": "vxlan", "name": "vxlan-tun", "port_num": 2, "admin_state": "up", "lport": null,
                                        "type": "tunnel", "peer": null, "peer_bridge": null, "mac_in_use": null,
                                        "attached_mac": null, "tunnel_type": "vxlan"},
                "{switch_port.}patch-ex": {"id": "patch-ex", "name": "patch-ex", "port_num": 3, "lport": null, "type": "patch",
                                           "peer": "patch-int", "peer_bridge": "br-ex"},
                "{switch_port.}br-int": {"id": "br-int", "name": "br-int", "port_num": null, "type": "bridge"},
                "{switch_port.odd}unknown": {"id": "unknown", "type": null},
            })
        );

        nb.update_each("switch_port", switch_port_v3_no_peer_bridge).unwrap();
        assert_eq!(
            nb.get("switch_port", "patch-ex").unwrap(),
            json!({"id": "patch-ex", "name": "patch-ex", "port_num": 3, "lport": null, "type": "patch", "peer": "patch-int"})
                .as_object()
                .unwrap()
        );
        assert!(nb.iter("switch_port").all(|(_, stored)| !stored.object().contains_key("peer_bridge")));
        assert_eq!(nb.models::<SwitchPort>().unwrap().len(), 5);
    }

    #[test]
    fn a_switch_port_table_that_already_holds_the_port_is_refused() {
        let mut nb = load(json!({
            "{ovs_port.}p1": {"id": "p1", "ofport": 1},
            "{switch_port.}p1": {"id": "p1", "port_num": 1},
        }));
        let error = switch_port_v2_from_ovs_port(&mut nb).unwrap_err();
        assert_eq!(error.to_string(), "table `switch_port`: cannot move table `ovs_port` here: both hold `p1`");
    }
}
