//! Logical switches (Neutron networks) and, since 5.0, their subnets.
//!
//! | model | version | release | change |
//! |---|---|---|---|
//! | `LogicalSwitch` | 1 | 2.0 | baseline: subnets embedded in the switch |
//! | `LogicalSwitch` | 2 | 3.0 | new `unique_key` from the table's counter: migration `lswitch_v2_unique_key` |
//! | `LogicalSwitch` | 3 | 5.0 | subnets move out into table `lsubnet`: migration `lswitch_v3_lsubnet` |
//! | `Subnet` | 1 | 5.0 | new model, filled by `lswitch_v3_lsubnet` |
//! | `LogicalSwitch` | 4 | 5.0 | new `qos_policy`, default `null`: automatic |

use crate::host_route::HostRoute;
use df_schema::{df_model, migration, MigrationError, NbApi};
use serde_json::{Map, Value};

/// A Neutron network, stored in its tenant's topic: `{lswitch.<topic>}<id>`.
#[df_model(version = 4, table = "lswitch", release = "5.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct LogicalSwitch {
    /// Neutron's id of the network, as in its key.
    pub id: String,
    /// The Neutron project (tenant) that owns it, as in its key.
    pub topic: String,
    /// The name given in Neutron, if any.
    pub name: Option<String>,
    /// Neutron's revision of the object (not the schema version).
    pub version: i64,
    /// The datapath's key for the network.
    pub unique_key: i64,
    /// Whether it is an external network, the kind floating IPs are taken from.
    pub is_external: bool,
    /// The network's MTU, if Neutron set one.
    pub mtu: Option<i64>,
    /// The VNI or VLAN id of the network; `None` for a flat network.
    pub segmentation_id: Option<i64>,
    /// `"vxlan"`, `"vlan"`, `"flat"`, …
    pub network_type: Option<String>,
    /// The provider network (e.g. `"physnet1"`) a flat or VLAN network is on.
    pub physical_network: Option<String>,
    /// The id of the `QoS` policy applied to the network's ports.
    pub qos_policy: Option<String>,
}

/// A subnet of a logical switch, stored in its switch's topic: `{lsubnet.<topic>}<id>`.
#[df_model(version = 1, table = "lsubnet", release = "5.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    /// Neutron's id of the subnet, as in its key.
    pub id: String,
    /// Its switch's topic, as in its key.
    pub topic: String,
    /// The name given in Neutron, if any.
    pub name: Option<String>,
    /// Neutron's revision of the object (not the schema version).
    pub version: i64,
    /// The subnet's range, e.g. `"10.0.0.0/24"`.
    pub cidr: String,
    /// The gateway's address; `None` for a subnet without a gateway.
    pub gateway_ip: Option<String>,
    /// The DNS servers DHCP hands out.
    pub dns_nameservers: Vec<String>,
    /// The static routes DHCP pushes to the subnet's VMs.
    pub host_routes: Vec<HostRoute>,
    /// The id of the switch the subnet belongs to.
    pub lswitch: String,
}

/// 3.0: switches get a `unique_key` from the `lswitch` counter, in ascending id order.
#[migration(
    model = LogicalSwitch,
    to = 2,
    release = "3.0",
    proposed_at = "2017-07-03 15:00:00",
    description = "lswitch: allocate a unique_key for every switch",
    id = "lswitch-v2-unique-key",
    tables = ["lswitch"]
)]
fn lswitch_v2_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    crate::unique_key::allocate_missing(nb, "lswitch")
}

/// 5.0: subnets are objects of their own (table `lsubnet`) instead of a list inside
/// their switch. Each keeps its id and moves into its switch's topic; DHCP settings
/// (`enable_dhcp`, `dhcp_ip`) are no longer stored with the subnet and are dropped.
#[migration(
    model = LogicalSwitch,
    to = 3,
    release = "5.0",
    proposed_at = "2019-01-14 10:00:00",
    description = "lswitch: embedded subnets move out into the lsubnet table",
    id = "lswitch-v3-lsubnet",
    tables = ["lswitch", "lsubnet"]
)]
fn lswitch_v3_lsubnet(nb: &mut NbApi) -> Result<(), MigrationError> {
    let mut subnets = Vec::new();
    for (switch_id, stored) in nb.iter("lswitch") {
        let list = match stored.object().get("subnets") {
            None | Some(Value::Null) => continue,
            Some(Value::Array(list)) => list,
            Some(other) => return Err(MigrationError::object("lswitch", switch_id, format!("`subnets` is {other}, not a list"))),
        };
        for subnet in list {
            let subnet = lsubnet_of(switch_id, stored.topic(), subnet)
                .map_err(|reason| MigrationError::object("lswitch", switch_id, reason))?;
            subnets.push((switch_id.to_owned(), stored.topic().to_owned(), subnet));
        }
    }
    for (switch_id, topic, subnet) in subnets {
        let subnet_id = subnet["id"].as_str().unwrap_or_default();
        if let Some(other) = nb.get("lsubnet", subnet_id) {
            let other = other.get("lswitch").and_then(Value::as_str).unwrap_or_default();
            let reason = format!("subnet {subnet_id} is also a subnet of lswitch {other}");
            return Err(MigrationError::object("lswitch", &switch_id, reason));
        }
        nb.put_in_topic("lsubnet", &topic, subnet)?;
    }
    nb.remove_field("lswitch", "subnets");
    Ok(())
}

/// The `lsubnet` object for one subnet embedded in switch `switch_id`.
fn lsubnet_of(switch_id: &str, topic: &str, subnet: &Value) -> Result<Map<String, Value>, String> {
    let Some(embedded) = subnet.as_object() else { return Err(format!("subnet {subnet} is not an object")) };
    let Some(id) = embedded.get("id").filter(|id| id.is_string()) else {
        return Err(format!("subnet {subnet} has no string `id`"));
    };
    let mut lsubnet = Map::new();
    lsubnet.insert("id".to_owned(), id.clone());
    lsubnet.insert("topic".to_owned(), Value::from(topic));
    for field in ["name", "cidr", "gateway_ip", "dns_nameservers", "host_routes"] {
        if let Some(value) = embedded.get(field) {
            lsubnet.insert(field.to_owned(), value.clone());
        }
    }
    lsubnet.insert("version".to_owned(), Value::from(1));
    lsubnet.insert("lswitch".to_owned(), Value::from(switch_id));
    Ok(lsubnet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{dump, load};
    use serde_json::json;

    /// A whole stored switch: the members no step changes, plus `members`.
    fn switch(members: Value) -> Value {
        let mut switch = json!({
            "name": "private", "version": 1, "is_external": false, "mtu": 1450,
            "segmentation_id": 101, "network_type": "vxlan", "physical_network": null,
        });
        switch.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
        switch
    }

    #[test]
    fn unique_keys_continue_the_counter_in_byte_order_of_id() {
        let mut nb = load(json!({
            "{lswitch.tenant-b}net-b": switch(json!({"id": "net-b", "topic": "tenant-b", "subnets": []})),
            "{lswitch.tenant-a}net-a": switch(json!({"id": "net-a", "topic": "tenant-a", "subnets": []})),
            "{lswitch.tenant-c}Net-Z": switch(json!({"id": "Net-Z", "topic": "tenant-c", "subnets": []})),
            "{lswitch.tenant-a}net-c": switch(json!({"id": "net-c", "topic": "tenant-a", "unique_key": 7, "subnets": []})),
        }));
        nb.set_counter("lswitch", 41);
        nb.set_counter("secgroup", 3);
        lswitch_v2_unique_key(&mut nb).unwrap();
        assert_eq!(
            dump(&nb, "lswitch"),
            json!({
                "{lswitch.tenant-c}Net-Z": switch(json!({"id": "Net-Z", "topic": "tenant-c", "unique_key": 42, "subnets": []})),
                "{lswitch.tenant-a}net-a": switch(json!({"id": "net-a", "topic": "tenant-a", "unique_key": 43, "subnets": []})),
                "{lswitch.tenant-b}net-b": switch(json!({"id": "net-b", "topic": "tenant-b", "unique_key": 44, "subnets": []})),
                "{lswitch.tenant-a}net-c": switch(json!({"id": "net-c", "topic": "tenant-a", "unique_key": 7, "subnets": []})),
            })
        );
        assert_eq!(nb.counter("lswitch"), 44, "the counter ends at the last key given");
        assert_eq!(nb.counter("secgroup"), 3, "other tables' counters are their own");
    }

    #[test]
    fn unique_keys_start_at_one_without_a_counter_and_leave_it_alone_when_none_is_needed() {
        let mut nb = load(json!({
            "{lswitch.t}b": switch(json!({"id": "b", "topic": "t", "subnets": []})),
            "{lswitch.t}a": switch(json!({"id": "a", "topic": "t", "subnets": []})),
        }));
        lswitch_v2_unique_key(&mut nb).unwrap();
        assert_eq!(nb.get("lswitch", "a").unwrap()["unique_key"], 1);
        assert_eq!(nb.get("lswitch", "b").unwrap()["unique_key"], 2);
        assert_eq!(nb.counter("lswitch"), 2);

        let mut keyed = load(json!({"{lswitch.t}a": switch(json!({"id": "a", "topic": "t", "unique_key": 5, "subnets": []}))}));
        lswitch_v2_unique_key(&mut keyed).unwrap();
        assert!(keyed.counters().is_empty(), "no key given, no counter written");
    }

    #[test]
    fn subnets_move_out_into_lsubnet_in_their_switch_topic() {
        let mut nb = load(json!({
            "{lswitch.tenant-a}net-a": switch(json!({"id": "net-a", "topic": "tenant-a", "unique_key": 1, "subnets": [
                {"id": "subnet-a1", "topic": "tenant-a", "name": "private-v4", "enable_dhcp": true, "dhcp_ip": "10.0.0.2",
                 "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "dns_nameservers": ["192.0.2.53"],
                 "host_routes": [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}]},
                {"id": "subnet-a2", "topic": "tenant-a", "name": null, "enable_dhcp": false, "dhcp_ip": null,
                 "cidr": "fd00::/64", "gateway_ip": null, "dns_nameservers": [], "host_routes": []},
            ]})),
            // The subnet's own `topic` member is not where it goes: its switch's topic is.
            "{lswitch.tenant-b}net-b": switch(json!({"id": "net-b", "topic": "tenant-b", "unique_key": 2, "subnets": [
                {"id": "subnet-b1", "topic": "stale", "name": "b", "enable_dhcp": true, "dhcp_ip": "10.1.0.2",
                 "cidr": "10.1.0.0/24", "gateway_ip": "10.1.0.1", "dns_nameservers": [], "host_routes": []},
            ]})),
            "{lswitch.tenant-c}net-c": switch(json!({"id": "net-c", "topic": "tenant-c", "unique_key": 3, "subnets": []})),
        }));
        lswitch_v3_lsubnet(&mut nb).unwrap();
        assert_eq!(
            dump(&nb, "lswitch"),
            json!({
                "{lswitch.tenant-a}net-a": switch(json!({"id": "net-a", "topic": "tenant-a", "unique_key": 1})),
                "{lswitch.tenant-b}net-b": switch(json!({"id": "net-b", "topic": "tenant-b", "unique_key": 2})),
                "{lswitch.tenant-c}net-c": switch(json!({"id": "net-c", "topic": "tenant-c", "unique_key": 3})),
            })
        );
        assert_eq!(
            dump(&nb, "lsubnet"),
            json!({
                "{lsubnet.tenant-a}subnet-a1": {"id": "subnet-a1", "topic": "tenant-a", "name": "private-v4", "version": 1,
                    "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "dns_nameservers": ["192.0.2.53"],
                    "host_routes": [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}], "lswitch": "net-a"},
                "{lsubnet.tenant-a}subnet-a2": {"id": "subnet-a2", "topic": "tenant-a", "name": null, "version": 1,
                    "cidr": "fd00::/64", "gateway_ip": null, "dns_nameservers": [], "host_routes": [], "lswitch": "net-a"},
                "{lsubnet.tenant-b}subnet-b1": {"id": "subnet-b1", "topic": "tenant-b", "name": "b", "version": 1,
                    "cidr": "10.1.0.0/24", "gateway_ip": "10.1.0.1", "dns_nameservers": [], "host_routes": [], "lswitch": "net-b"},
            })
        );
        assert_eq!(nb.models::<Subnet>().unwrap().len(), 3, "the new objects are head-shaped subnets");
    }

    #[test]
    fn a_subnet_in_two_switches_is_refused() {
        let subnet = json!({"id": "s1", "topic": "t", "name": null, "enable_dhcp": true, "dhcp_ip": null,
                            "cidr": "10.0.0.0/24", "gateway_ip": null, "dns_nameservers": [], "host_routes": []});
        let mut nb = load(json!({
            "{lswitch.t}net-a": switch(json!({"id": "net-a", "topic": "t", "unique_key": 1, "subnets": [subnet.clone()]})),
            "{lswitch.t}net-b": switch(json!({"id": "net-b", "topic": "t", "unique_key": 2, "subnets": [subnet]})),
        }));
        let error = lswitch_v3_lsubnet(&mut nb).unwrap_err();
        assert_eq!(error.to_string(), "table `lswitch`, object `net-b`: subnet s1 is also a subnet of lswitch net-a");
    }

    #[test]
    fn a_subnet_without_an_id_is_refused() {
        let mut nb = load(json!({
            "{lswitch.t}net-a": switch(json!({"id": "net-a", "topic": "t", "unique_key": 1, "subnets": [{"cidr": "10.0.0.0/24"}]})),
        }));
        let error = lswitch_v3_lsubnet(&mut nb).unwrap_err();
        assert_eq!(error.to_string(), "table `lswitch`, object `net-a`: subnet {\"cidr\":\"10.0.0.0/24\"} has no string `id`");
    }

    #[test]
    fn a_model_object_is_stored_in_its_topic_and_read_back_as_it_was() {
        let subnet = Subnet {
            id: "s1".into(),
            topic: "tenant-a".into(),
            name: None,
            version: 2,
            cidr: "10.0.0.0/24".into(),
            gateway_ip: Some("10.0.0.1".into()),
            dns_nameservers: vec!["10.0.0.2".into()],
            host_routes: Vec::new(),
            lswitch: "net-a".into(),
        };
        let mut nb = NbApi::new();
        nb.put_model(&subnet).unwrap();
        assert_eq!(nb.get_stored("lsubnet", "s1").unwrap().topic(), "tenant-a");
        assert_eq!(nb.get("lsubnet", "s1").unwrap()["gateway_ip"], "10.0.0.1");
        assert_eq!(nb.get_model::<Subnet>("s1").unwrap(), Some(subnet.clone()));
        assert_eq!(nb.get_model::<Subnet>("s2").unwrap(), None);
        assert_eq!(nb.models::<Subnet>().unwrap(), [subnet]);

        nb.set_field("lsubnet", "cidr", &json!(24));
        let error = nb.get_model::<Subnet>("s1").unwrap_err().to_string();
        assert!(error.starts_with("table `lsubnet`, object `s1`: does not decode as Subnet v1: invalid type: integer `24`"), "{error}");
    }
}
