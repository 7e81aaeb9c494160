//! A small but realistic Dragonflow 2.0 database (one tenant network with a VM, a router,
//! a remote VTEP port, security groups, a floating IP; an external network; chassis; OVS
//! ports; unique-key counters) and exactly what it is at 5.0, written out by hand so that
//! tests compare an upgrade's result with data its migrations did not produce.

use serde_json::{json, Value};

/// The 2.0 objects by store key (`{<table>.<topic>}<id>`).
pub fn release_2_0_objects() -> Value {
    json!({
            "{chassis.}compute-1": {"id": "compute-1", "ip": "192.0.2.11", "external_host_ip": null, "tunnel_type": "vxlan"},
            "{chassis.}compute-2": {"id": "compute-2", "ip": "192.0.2.12", "external_host_ip": "198.51.100.12", "tunnel_type": "geneve"},
            "{chassis.}network-1": {"id": "network-1", "ip": "192.0.2.21", "external_host_ip": "198.51.100.21"},
    
            "{publisher.}controller-1": {"id": "controller-1", "name": "controller-1", "uri": "tcp://192.0.2.1:8866",
                                         "last_activity_timestamp": 1_503_996_373.25},
    
            "{lswitch.tenant-a}net-a": {"id": "net-a", "topic": "tenant-a", "name": "private", "version": 3, "is_external": false,
                "mtu": 1450, "segmentation_id": 101, "network_type": "vxlan", "physical_network": null, "subnets": [
                    {"id": "subnet-a1", "topic": "tenant-a", "name": "private-v4", "enable_dhcp": true, "dhcp_ip": "10.0.0.2",
                     "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "dns_nameservers": ["192.0.2.53"],
                     "host_routes": [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}]},
                    {"id": "subnet-a2", "topic": "tenant-a", "name": "private-v6", "enable_dhcp": false, "dhcp_ip": null,
                     "cidr": "fd00:a::/64", "gateway_ip": "fd00:a::1", "dns_nameservers": [], "host_routes": []},
                ]},
            "{lswitch.tenant-b}net-b": {"id": "net-b", "topic": "tenant-b", "name": "scratch", "version": 1, "is_external": false,
                "mtu": 1450, "segmentation_id": 102, "network_type": "vxlan", "physical_network": null, "subnets": []},
            "{lswitch.admin}net-ext": {"id": "net-ext", "topic": "admin", "name": "public", "version": 2, "is_external": true,
                "mtu": 1500, "segmentation_id": null, "network_type": "flat", "physical_network": "physnet1", "subnets": [
                    {"id": "subnet-ext", "topic": "admin", "name": "public-v4", "enable_dhcp": false, "dhcp_ip": null,
                     "cidr": "203.0.113.0/24", "gateway_ip": "203.0.113.1", "dns_nameservers": [], "host_routes": []},
                ]},
    
            "{lport.tenant-a}port-vm1": {"id": "port-vm1", "topic": "tenant-a", "name": "web-1", "version": 4, "tunnel_key": 1,
                "ips": ["10.0.0.5"], "macs": ["fa:16:3e:00:00:05"], "enabled": true, "chassis": "compute-1", "remote_vtep": false,
                "lswitch": "net-a", "security_groups": ["sg-default", "sg-web"],
                "allowed_address_pairs": [{"ip_address": "10.0.0.100", "mac_address": "fa:16:3e:00:00:05"}],
                "port_security_enabled": true, "device_owner": "compute:nova", "device_id": "vm-web-1",
                "extra_dhcp_options": [{"tag": 26, "value": "1450"}, {"tag": 15, "value": "example.org"}, {"tag": 26, "value": "1400"}]},
            "{lport.tenant-a}port-rtr": {"id": "port-rtr", "topic": "tenant-a", "name": null, "version": 2, "tunnel_key": 2,
                "ips": ["10.0.0.1"], "macs": ["fa:16:3e:00:00:01"], "enabled": true, "chassis": null, "remote_vtep": false,
                "lswitch": "net-a", "security_groups": [], "allowed_address_pairs": [], "port_security_enabled": false,
                "device_owner": "network:router_interface", "device_id": "router-a", "extra_dhcp_options": null},
            "{lport.tenant-a}port-vtep": {"id": "port-vtep", "topic": "tenant-a", "name": "baremetal-1", "version": 1, "tunnel_key": 3,
                "ips": ["10.0.0.7"], "macs": ["fa:16:3e:00:00:07"], "enabled": true, "chassis": "192.0.2.99", "remote_vtep": true,
                "lswitch": "net-a", "security_groups": [], "allowed_address_pairs": [], "port_security_enabled": false,
                "device_owner": "baremetal:none", "device_id": "bm-1", "extra_dhcp_options": []},
            "{lport.admin}port-fip": {"id": "port-fip", "topic": "admin", "name": null, "version": 1, "tunnel_key": 4,
                "ips": ["203.0.113.10"], "macs": ["fa:16:3e:00:00:10"], "enabled": true, "chassis": null, "remote_vtep": false,
                "lswitch": "net-ext", "security_groups": [], "allowed_address_pairs": [], "port_security_enabled": false,
                "device_owner": "network:floatingip", "device_id": "fip-1"},
    
            "{secgroup.tenant-a}sg-default": {"id": "sg-default", "topic": "tenant-a", "name": "default", "version": 2, "rules": [
                {"id": "rule-egress", "topic": "tenant-a", "version": 1, "direction": "egress", "ethertype": "IPv4",
                 "port_range_min": null, "port_range_max": null, "protocol": null, "remote_group_id": null,
                 "remote_ip_prefix": null, "security_group_id": "sg-default"},
                {"id": "rule-ssh", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": 22, "port_range_max": 22, "protocol": "tcp", "remote_group_id": null,
                 "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "sg-default"},
                {"id": "rule-ping", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": null, "port_range_max": null, "protocol": "icmp", "remote_group_id": null,
                 "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "sg-default"},
                {"id": "rule-group", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv6",
                 "port_range_min": null, "port_range_max": null, "protocol": "58", "remote_group_id": "sg-default",
                 "remote_ip_prefix": null, "security_group_id": "sg-default"},
            ]},
            "{secgroup.tenant-a}sg-web": {"id": "sg-web", "topic": "tenant-a", "name": "web", "version": 1, "rules": [
                {"id": "rule-http", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": 80, "port_range_max": 80, "protocol": "tcp", "remote_group_id": null,
                 "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "sg-web"},
                {"id": "rule-dns", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": 53, "port_range_max": 53, "protocol": "17", "remote_group_id": null,
                 "remote_ip_prefix": "10.0.0.0/8", "security_group_id": "sg-web"},
            ]},
    
            "{lrouter.tenant-a}router-a": {"id": "router-a", "topic": "tenant-a", "name": "router", "version": 3, "unique_key": 1,
                "ports": [{"id": "port-rtr", "topic": "tenant-a", "unique_key": 2, "mac": "fa:16:3e:00:00:01", "lswitch": "net-a",
                           "network": "10.0.0.1/24"}],
                "routes": [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}]},
    
            "{floatingip.tenant-a}fip-1": {"id": "fip-1", "topic": "tenant-a", "name": "web-fip", "version": 2, "unique_key": 1,
                "floating_ip_address": "203.0.113.10", "fixed_ip_address": "10.0.0.5", "lport": "port-vm1",
                "floating_lport": "port-fip", "lrouter": "router-a"},
    
            "{ovs_port.}tap-vm1": {"id": "tap-vm1", "name": "tapvm1", "ofport": 5, "admin_state": "up", "iface_id": "port-vm1",
                "type": "vm", "peer": null, "peer_bridge": null, "mac_in_use": "fe:16:3e:00:00:05",
                "attached_mac": "fa:16:3e:00:00:05", "tunnel_type": null},
            "{ovs_port.}vxlan-tun": {"id": "vxlan-tun", "name": "vxlan-tun", "ofport": 2, "admin_state": "up", "iface_id": null,
                "type": "tunnel", "peer": null, "peer_bridge": null, "mac_in_use": null, "attached_mac": null, "tunnel_type": "vxlan"},
            "{ovs_port.}patch-ex": {"id": "patch-ex", "name": "patch-ex", "ofport": 3, "admin_state": "up", "iface_id": null,
                "type": "patch", "peer": "patch-int", "peer_bridge": "br-ex", "mac_in_use": null, "attached_mac": null,
                "tunnel_type": null},
            "{ovs_port.}br-int": {"id": "br-int", "name": "br-int", "ofport": null, "admin_state": "up", "iface_id": null,
                "type": "bridge", "peer": null, "peer_bridge": null, "mac_in_use": null, "attached_mac": null, "tunnel_type": null},
        })
}

/// The 2.0 unique-key counters, by table.
pub const RELEASE_2_0_COUNTERS: &[(&str, i64)] = &[("secgroup", 4), ("lrouter", 1), ("floatingip", 1)];

/// The 2.0 database as a store holds it: every key with its bytes, counters included.
pub fn release_2_0_store() -> Vec<(String, Vec<u8>)> {
    let mut keys: Vec<(String, Vec<u8>)> = release_2_0_objects()
        .as_object()
        .expect("an object of objects")
        .iter()
        .map(|(key, object)| (key.clone(), object.to_string().into_bytes()))
        .collect();
    keys.extend(RELEASE_2_0_COUNTERS.iter().map(|(table, n)| (format!("{{unique_key.}}{table}"), n.to_string().into_bytes())));
    keys
}

/// The same database at 5.0: objects by store key.
pub fn release_5_0_objects() -> Value {
    json!({
            "{chassis.}compute-1": {"id": "compute-1", "ip": "192.0.2.11", "external_host_ip": null, "tunnel_types": ["vxlan"]},
            "{chassis.}compute-2": {"id": "compute-2", "ip": "192.0.2.12", "external_host_ip": "198.51.100.12", "tunnel_types": ["geneve"]},
            "{chassis.}network-1": {"id": "network-1", "ip": "192.0.2.21", "external_host_ip": "198.51.100.21", "tunnel_types": []},
    
            "{publisher.}controller-1": {"id": "controller-1", "name": "controller-1", "uri": "tcp://192.0.2.1:8866",
                                         "last_activity_timestamp": 1_503_996_373.25},
    
            "{lswitch.tenant-a}net-a": {"id": "net-a", "topic": "tenant-a", "name": "private", "version": 3, "unique_key": 1,
                "is_external": false, "mtu": 1450, "segmentation_id": 101, "network_type": "vxlan", "physical_network": null,
                "qos_policy": null},
            "{lswitch.tenant-b}net-b": {"id": "net-b", "topic": "tenant-b", "name": "scratch", "version": 1, "unique_key": 2,
                "is_external": false, "mtu": 1450, "segmentation_id": 102, "network_type": "vxlan", "physical_network": null,
                "qos_policy": null},
            "{lswitch.admin}net-ext": {"id": "net-ext", "topic": "admin", "name": "public", "version": 2, "unique_key": 3,
                "is_external": true, "mtu": 1500, "segmentation_id": null, "network_type": "flat", "physical_network": "physnet1",
                "qos_policy": null},
    
            "{lsubnet.tenant-a}subnet-a1": {"id": "subnet-a1", "topic": "tenant-a", "name": "private-v4", "version": 1,
                "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1", "dns_nameservers": ["192.0.2.53"],
                "host_routes": [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}], "lswitch": "net-a"},
            "{lsubnet.tenant-a}subnet-a2": {"id": "subnet-a2", "topic": "tenant-a", "name": "private-v6", "version": 1,
                "cidr": "fd00:a::/64", "gateway_ip": "fd00:a::1", "dns_nameservers": [], "host_routes": [], "lswitch": "net-a"},
            "{lsubnet.admin}subnet-ext": {"id": "subnet-ext", "topic": "admin", "name": "public-v4", "version": 1,
                "cidr": "203.0.113.0/24", "gateway_ip": "203.0.113.1", "dns_nameservers": [], "host_routes": [], "lswitch": "net-ext"},
    
            "{lport.tenant-a}port-vm1": {"id": "port-vm1", "topic": "tenant-a", "name": "web-1", "version": 4, "unique_key": 1,
                "ips": ["10.0.0.5"], "macs": ["fa:16:3e:00:00:05"], "enabled": true,
                "binding": {"type": "chassis", "chassis": "compute-1", "vtep_address": null},
                "lswitch": "net-a", "security_groups": ["sg-default", "sg-web"],
                "allowed_address_pairs": [{"ip_address": "10.0.0.100", "mac_address": "fa:16:3e:00:00:05"}],
                "port_security_enabled": true, "device_owner": "compute:nova", "device_id": "vm-web-1",
                "dhcp_params": {"opts": {"15": "example.org", "26": "1400"}, "siaddr": null}, "binding_vnic_type": "normal"},
            "{lport.tenant-a}port-rtr": {"id": "port-rtr", "topic": "tenant-a", "name": null, "version": 2, "unique_key": 2,
                "ips": ["10.0.0.1"], "macs": ["fa:16:3e:00:00:01"], "enabled": true, "binding": null,
                "lswitch": "net-a", "security_groups": [], "allowed_address_pairs": [], "port_security_enabled": false,
                "device_owner": "network:router_interface", "device_id": "router-a",
                "dhcp_params": {"opts": {}, "siaddr": null}, "binding_vnic_type": "normal"},
            "{lport.tenant-a}port-vtep": {"id": "port-vtep", "topic": "tenant-a", "name": "baremetal-1", "version": 1, "unique_key": 3,
                "ips": ["10.0.0.7"], "macs": ["fa:16:3e:00:00:07"], "enabled": true,
                "binding": {"type": "vtep", "chassis": null, "vtep_address": "192.0.2.99"},
                "lswitch": "net-a", "security_groups": [], "allowed_address_pairs": [], "port_security_enabled": false,
                "device_owner": "baremetal:none", "device_id": "bm-1",
                "dhcp_params": {"opts": {}, "siaddr": null}, "binding_vnic_type": "normal"},
            "{lport.admin}port-fip": {"id": "port-fip", "topic": "admin", "name": null, "version": 1, "unique_key": 4,
                "ips": ["203.0.113.10"], "macs": ["fa:16:3e:00:00:10"], "enabled": true, "binding": null,
                "lswitch": "net-ext", "security_groups": [], "allowed_address_pairs": [], "port_security_enabled": false,
                "device_owner": "network:floatingip", "device_id": "fip-1",
                "dhcp_params": {"opts": {}, "siaddr": null}, "binding_vnic_type": "normal"},
    
            "{secgroup.tenant-a}sg-default": {"id": "sg-default", "topic": "tenant-a", "name": "default", "version": 2,
                "unique_key": 5, "rules": [
                {"id": "rule-egress", "topic": "tenant-a", "version": 1, "direction": "egress", "ethertype": "IPv4",
                 "port_range_min": null, "port_range_max": null, "protocol": null, "remote_group_id": null,
                 "remote_ip_prefix": null, "security_group_id": "sg-default"},
                {"id": "rule-ssh", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": 22, "port_range_max": 22, "protocol": 6, "remote_group_id": null,
                 "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "sg-default"},
                {"id": "rule-ping", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": null, "port_range_max": null, "protocol": 1, "remote_group_id": null,
                 "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "sg-default"},
                {"id": "rule-group", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv6",
                 "port_range_min": null, "port_range_max": null, "protocol": 58, "remote_group_id": "sg-default",
                 "remote_ip_prefix": null, "security_group_id": "sg-default"},
            ]},
            "{secgroup.tenant-a}sg-web": {"id": "sg-web", "topic": "tenant-a", "name": "web", "version": 1, "unique_key": 6, "rules": [
                {"id": "rule-http", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": 80, "port_range_max": 80, "protocol": 6, "remote_group_id": null,
                 "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "sg-web"},
                {"id": "rule-dns", "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
                 "port_range_min": 53, "port_range_max": 53, "protocol": 17, "remote_group_id": null,
                 "remote_ip_prefix": "10.0.0.0/8", "security_group_id": "sg-web"},
            ]},
    
            "{lrouter.tenant-a}router-a": {"id": "router-a", "topic": "tenant-a", "name": "router", "version": 3, "unique_key": 1,
                "ports": [{"id": "port-rtr", "topic": "tenant-a", "unique_key": 2, "mac": "fa:16:3e:00:00:01", "lswitch": "net-a",
                           "network": "10.0.0.1/24"}],
                "routes": [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}]},
    
            "{floatingip.tenant-a}fip-1": {"id": "fip-1", "topic": "tenant-a", "version": 2,
                "floating_ip_address": "203.0.113.10", "fixed_ip_address": "10.0.0.5", "lport": "port-vm1",
                "floating_lport": "port-fip", "lrouter": "router-a"},
    
            "{switch_port.}tap-vm1": {"id": "tap-vm1", "name": "tapvm1", "port_num": 5, "admin_state": "up", "lport": "port-vm1",
                "type": "compute", "peer": null, "mac_in_use": "fe:16:3e:00:00:05", "attached_mac": "fa:16:3e:00:00:05",
                "tunnel_type": null},
            "{switch_port.}vxlan-tun": {"id": "vxlan-tun", "name": "vxlan-tun", "port_num": 2, "admin_state": "up", "lport": null,
                "type": "tunnel", "peer": null, "mac_in_use": null, "attached_mac": null, "tunnel_type": "vxlan"},
            "{switch_port.}patch-ex": {"id": "patch-ex", "name": "patch-ex", "port_num": 3, "admin_state": "up", "lport": null,
                "type": "patch", "peer": "patch-int", "mac_in_use": null, "attached_mac": null, "tunnel_type": null},
            "{switch_port.}br-int": {"id": "br-int", "name": "br-int", "port_num": null, "admin_state": "up", "lport": null,
                "type": "bridge", "peer": null, "mac_in_use": null, "attached_mac": null, "tunnel_type": null},
        })
}

/// The 5.0 unique-key counters, by table.
pub const RELEASE_5_0_COUNTERS: &[(&str, i64)] = &[("floatingip", 1), ("lrouter", 1), ("lswitch", 3), ("secgroup", 6)];
