//! Logical ports: the Neutron ports of a logical switch, bound to the chassis (or remote
//! VTEP) where their VM or service lives.
//!
//! | version | release | change |
//! |---|---|---|
//! | 1 | 2.0 | baseline |
//! | 2 | 3.0 | `tunnel_key` renamed `unique_key`: migration `lport_v2_unique_key` |
//! | 3 | 4.0 | `chassis` + `remote_vtep` become `binding`: migration `lport_v3_binding` |
//! | 4 | 4.0 | `extra_dhcp_options` becomes `dhcp_params`: migration `lport_v4_dhcp_params` |
//! | 5 | 5.0 | new `binding_vnic_type`, default `"normal"`: automatic |

use df_schema::fields::rename_member;
use df_schema::{df_embedded, df_model, migration, MigrationError, Object};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A Neutron port, stored in its tenant's topic: `{lport.<topic>}<id>`.
#[df_model(version = 5, table = "lport", release = "5.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct LogicalPort {
    /// Neutron's id of the port, as in its key.
    pub id: String,
    /// The Neutron project (tenant) that owns it, as in its key.
    pub topic: String,
    /// The name given in Neutron, if any.
    pub name: Option<String>,
    /// Neutron's revision of the object (not the schema version).
    pub version: i64,
    /// The datapath's key for the port.
    pub unique_key: i64,
    /// The port's fixed addresses, IPv4 and IPv6.
    pub ips: Vec<String>,
    /// The port's MAC addresses.
    pub macs: Vec<String>,
    /// Neutron's `admin_state_up`: whether the port passes traffic.
    pub enabled: bool,
    /// Where the port is bound; `None` while it is unbound.
    pub binding: Option<PortBinding>,
    /// The id of the port's switch.
    pub lswitch: String,
    /// The ids of the port's security groups.
    pub security_groups: Vec<String>,
    /// Further addresses the port may send from.
    pub allowed_address_pairs: Vec<AllowedAddressPair>,
    /// Whether security groups and anti-spoofing apply to the port.
    pub port_security_enabled: bool,
    /// What the port is for, e.g. `"compute:nova"` or `"network:router_interface"`.
    pub device_owner: Option<String>,
    /// The id of what uses the port (a VM, a router, a DHCP service), if anything does.
    pub device_id: Option<String>,
    /// What DHCP answers the port with beyond its subnet's settings.
    pub dhcp_params: DhcpParams,
    /// Neutron's `binding:vnic_type`: `"normal"`, `"direct"` (SR-IOV), …
    #[df(default = "normal")]
    pub binding_vnic_type: String,
}

/// Where a port is bound: `type` `"chassis"` with the chassis id, or `"vtep"` with the
/// address of a remote VTEP.
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub struct PortBinding {
    /// `"chassis"` or `"vtep"`.
    pub r#type: String,
    /// The chassis id, when `type` is `"chassis"`.
    pub chassis: Option<String>,
    /// The remote VTEP's address, when `type` is `"vtep"`.
    pub vtep_address: Option<String>,
}

/// A further address a port may send from (Neutron's allowed address pairs).
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedAddressPair {
    /// The address, or a CIDR of addresses, the port may send from.
    pub ip_address: String,
    /// The MAC address it may send them with.
    pub mac_address: String,
}

/// What Dragonflow's DHCP application answers a port with beyond the subnet's settings.
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub struct DhcpParams {
    /// DHCP option values by option tag, the tag as a decimal string (`"26"`: MTU).
    pub opts: BTreeMap<String, String>,
    /// The next server's address (`siaddr`, for PXE boot).
    pub siaddr: Option<String>,
}

/// 3.0: Dragonflow renamed the member. The value is kept: the datapath identifies the
/// port by it.
#[migration(
    model = LogicalPort,
    to = 2,
    release = "3.0",
    proposed_at = "2017-05-10 10:00:00",
    description = "lport: tunnel_key becomes unique_key",
    id = "lport-v2-unique-key"
)]
fn lport_v2_unique_key(id: &str, port: &mut Object) -> Result<(), MigrationError> {
    rename_member(port, "tunnel_key", "unique_key").map_err(|message| MigrationError::object("lport", id, message))
}

/// 4.0: where a port is bound becomes one `binding` object. A remote VTEP port's
/// `chassis` held the VTEP's address; a local port's held its chassis id; a port with
/// neither is unbound (`null`).
#[migration(
    model = LogicalPort,
    to = 3,
    release = "4.0",
    proposed_at = "2018-01-08 10:00:00",
    description = "lport: chassis and remote_vtep become binding",
    id = "lport-v3-binding"
)]
fn lport_v3_binding(_id: &str, port: &mut Object) -> Result<(), MigrationError> {
    let chassis = port.remove("chassis").unwrap_or(Value::Null);
    let remote_vtep = port.remove("remote_vtep");
    let binding = if remote_vtep == Some(Value::Bool(true)) {
        json!({"type": "vtep", "chassis": null, "vtep_address": chassis})
    } else if chassis.is_string() {
        json!({"type": "chassis", "chassis": chassis, "vtep_address": null})
    } else {
        Value::Null
    };
    port.insert("binding".to_owned(), binding);
    Ok(())
}

/// 4.0: the list of extra DHCP options becomes the `dhcp_params` object, keyed by the
/// option tag as a decimal string. When a tag repeats, the later option wins. A port
/// without options (`null` or absent) gets empty `opts`; `siaddr` starts unset.
#[migration(
    model = LogicalPort,
    to = 4,
    release = "4.0",
    proposed_at = "2018-01-15 10:00:00",
    description = "lport: extra_dhcp_options becomes dhcp_params",
    id = "lport-v4-dhcp-params"
)]
fn lport_v4_dhcp_params(id: &str, port: &mut Object) -> Result<(), MigrationError> {
    let mut opts = Map::new();
    match port.remove("extra_dhcp_options") {
        None | Some(Value::Null) => {}
        Some(Value::Array(options)) => {
            for option in &options {
                let (tag, value) =
                    dhcp_option(option).map_err(|reason| MigrationError::object("lport", id, format!("extra DHCP option {option}: {reason}")))?;
                opts.insert(tag, value);
            }
        }
        Some(other) => {
            return Err(MigrationError::object("lport", id, format!("`extra_dhcp_options` is {other}, not a list")));
        }
    }
    port.insert("dhcp_params".to_owned(), json!({"opts": opts, "siaddr": null}));
    Ok(())
}

/// One 3.0 `{"tag": T, "value": V}` option as its `dhcp_params.opts` entry.
fn dhcp_option(option: &Value) -> Result<(String, Value), String> {
    let tag = match option.get("tag") {
        Some(Value::Number(tag)) if tag.is_i64() || tag.is_u64() => tag.to_string(),
        _ => return Err("`tag` is not an integer".to_owned()),
    };
    match option.get("value") {
        Some(value @ Value::String(_)) => Ok((tag, value.clone())),
        _ => Err("`value` is not a string".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{dump, load};

    /// A whole stored port: the members no step changes, plus `members`.
    fn port(members: Value) -> Value {
        let mut port = json!({
            "name": null, "version": 2, "ips": ["10.0.0.5"], "macs": ["fa:16:3e:00:00:05"], "enabled": true,
            "lswitch": "net-a", "security_groups": ["sg-default"], "allowed_address_pairs": [],
            "port_security_enabled": true, "device_owner": "compute:nova", "device_id": "vm-1",
        });
        port.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
        port
    }

    #[test]
    fn tunnel_key_becomes_unique_key_with_its_value_in_every_topic() {
        let mut nb = load(json!({
            "{lport.tenant-a}p1": port(json!({"id": "p1", "topic": "tenant-a", "tunnel_key": 5, "chassis": "compute-1",
                                             "remote_vtep": false, "extra_dhcp_options": null})),
            "{lport.tenant-b}p2": port(json!({"id": "p2", "topic": "tenant-b", "tunnel_key": 9, "chassis": null,
                                             "remote_vtep": false, "extra_dhcp_options": []})),
        }));
        nb.update_each("lport", lport_v2_unique_key).unwrap();
        assert_eq!(
            dump(&nb, "lport"),
            json!({
                "{lport.tenant-a}p1": port(json!({"id": "p1", "topic": "tenant-a", "unique_key": 5, "chassis": "compute-1",
                                                 "remote_vtep": false, "extra_dhcp_options": null})),
                "{lport.tenant-b}p2": port(json!({"id": "p2", "topic": "tenant-b", "unique_key": 9, "chassis": null,
                                                 "remote_vtep": false, "extra_dhcp_options": []})),
            })
        );
    }

    #[test]
    fn chassis_and_remote_vtep_become_binding() {
        let v2 = |id: &str, topic: &str, members: Value| {
            let mut port = port(json!({"id": id, "topic": topic, "unique_key": 1, "extra_dhcp_options": null}));
            port.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
            port
        };
        let mut nb = load(json!({
            "{lport.tenant-a}bound": v2("bound", "tenant-a", json!({"chassis": "compute-1", "remote_vtep": false})),
            "{lport.tenant-a}vtep": v2("vtep", "tenant-a", json!({"chassis": "192.0.2.99", "remote_vtep": true})),
            "{lport.tenant-b}unbound": v2("unbound", "tenant-b", json!({"chassis": null, "remote_vtep": false})),
            "{lport.tenant-b}unbound-absent": v2("unbound-absent", "tenant-b", json!({})),
            "{lport.tenant-c}vtep-no-address": v2("vtep-no-address", "tenant-c", json!({"chassis": null, "remote_vtep": true})),
            "{lport.tenant-c}bound-no-flag": v2("bound-no-flag", "tenant-c", json!({"chassis": "compute-2"})),
        }));
        nb.update_each("lport", lport_v3_binding).unwrap();
        let chassis = |chassis: &str| json!({"binding": {"type": "chassis", "chassis": chassis, "vtep_address": null}});
        let vtep = |address: Value| json!({"binding": {"type": "vtep", "chassis": null, "vtep_address": address}});
        assert_eq!(
            dump(&nb, "lport"),
            json!({
                "{lport.tenant-a}bound": v2("bound", "tenant-a", chassis("compute-1")),
                "{lport.tenant-a}vtep": v2("vtep", "tenant-a", vtep(json!("192.0.2.99"))),
                "{lport.tenant-b}unbound": v2("unbound", "tenant-b", json!({"binding": null})),
                "{lport.tenant-b}unbound-absent": v2("unbound-absent", "tenant-b", json!({"binding": null})),
                "{lport.tenant-c}vtep-no-address": v2("vtep-no-address", "tenant-c", vtep(Value::Null)),
                "{lport.tenant-c}bound-no-flag": v2("bound-no-flag", "tenant-c", chassis("compute-2")),
            })
        );
    }

    #[test]
    fn extra_dhcp_options_become_dhcp_params_and_a_later_duplicate_tag_wins() {
        let v3 = |id: &str, topic: &str, members: Value| {
            let mut port = port(json!({"id": id, "topic": topic, "unique_key": 1, "binding": null}));
            port.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
            port
        };
        let mut nb = load(json!({
            "{lport.tenant-a}options": v3("options", "tenant-a", json!({"extra_dhcp_options": [
                {"tag": 26, "value": "1450"},
                {"tag": 15, "value": "example.org"},
                {"tag": 26, "value": "1400"},
                {"tag": 119, "value": "example.org,example.net"},
            ]})),
            "{lport.tenant-a}empty": v3("empty", "tenant-a", json!({"extra_dhcp_options": []})),
            "{lport.tenant-b}null": v3("null", "tenant-b", json!({"extra_dhcp_options": null})),
            "{lport.tenant-b}absent": v3("absent", "tenant-b", json!({})),
        }));
        nb.update_each("lport", lport_v4_dhcp_params).unwrap();
        let none = json!({"dhcp_params": {"opts": {}, "siaddr": null}});
        assert_eq!(
            dump(&nb, "lport"),
            json!({
                "{lport.tenant-a}options": v3("options", "tenant-a", json!({"dhcp_params": {
                    "opts": {"15": "example.org", "26": "1400", "119": "example.org,example.net"},
                    "siaddr": null,
                }})),
                "{lport.tenant-a}empty": v3("empty", "tenant-a", none.clone()),
                "{lport.tenant-b}null": v3("null", "tenant-b", none.clone()),
                "{lport.tenant-b}absent": v3("absent", "tenant-b", none),
            })
        );
    }

    #[test]
    fn a_dhcp_option_without_an_integer_tag_is_refused() {
        let mut nb = load(json!({
            "{lport.t}p1": port(json!({"id": "p1", "topic": "t", "unique_key": 1, "binding": null,
                                      "extra_dhcp_options": [{"tag": "26", "value": "1450"}]})),
        }));
        let error = nb.update_each("lport", lport_v4_dhcp_params).unwrap_err();
        assert_eq!(
            error.to_string(),
            "table `lport`, object `p1`: extra DHCP option {\"tag\":\"26\",\"value\":\"1450\"}: `tag` is not an integer"
        );
    }
}
