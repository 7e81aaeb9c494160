//! A generated Dragonflow 2.0 deployment of any size, for the demo, the benchmarks and the
//! fault campaign.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "addresses, counts and shares of a deployment whose size is bounded far below every type's range"
)]

use crate::rng::SplitMix64;
use serde_json::{json, Value};


/// Generates a deterministic, realistic Dragonflow 2.0-era deployment of about `objects`
/// objects, as a store holds it: every key (`{<table>.<topic>}<id>`, and the counters
/// `{unique_key.}<table>`) with its exact bytes (compact JSON; counters as decimal text),
/// sorted by key. The same `(objects, seed)` always gives the same bytes; `seed` varies
/// the ids, addresses and choices, not the mix.
///
/// Every object has its table's 2.0 (version 1) shape exactly; ids are UUIDs (chassis:
/// host names) and topics 32-hex-digit Neutron project ids, unique per table, and every
/// reference (port → switch, secgroup, chassis; router port → port; floating IP → ports,
/// router; OVS port → port) points at a generated object.
///
/// # The mix
///
/// About `objects / 50` tenants (topics), plus an admin topic holding the external
/// networks and the floating IPs' ports. Of the objects, by design (a test checks the
/// shares of each table):
///
/// | table | share | what |
/// |---|---|---|
/// | `lport` | 45 % | compute ports (~78 % bound to a compute chassis, ~6 % on a remote VTEP with `remote_vtep: true` and the VTEP's IP as `chassis`, the rest unbound with `chassis: null`), DHCP ports, router interfaces, floating IPs' external ports; `extra_dhcp_options` `null`, `[]`, absent, or several options, often with a repeated tag; `tunnel_key` unique |
/// | `ovs_port` | 25 % | per chassis `br-int` (`"bridge"`), a tunnel port (`"tunnel"`, when the chassis has a tunnel type), `patch-ex` (`"patch"`) on network nodes and some compute nodes; `"vm"` ports (`iface_id` = a locally bound port); legacy per-peer tunnel ports fill the rest |
/// | `secgroup` | 8 % | a `default` group per tenant (egress any, ingress from itself) and others whose rules use protocol names (`"tcp"`, `"udp"`, `"icmp"`, `"icmpv6"`, ~70 %), decimal strings (`"1"`, `"6"`, `"17"`, `"58"`, `"112"`, `"132"`) and `null` (any protocol) |
/// | `floatingip` | 8 % | with a `name` (or `null`) and a `unique_key`; ~70 % associated with a port behind a router |
/// | `lswitch` | 6 % | tenant networks (vxlan, some vlan) with 0 (~15 %), 1, 2 or 3 subnets (IPv4 and IPv6), external networks (flat or vlan) in the admin topic |
/// | `chassis` | 4 % | compute and network nodes; `tunnel_type` `"vxlan"`, `"geneve"`, `null` or absent |
/// | `lrouter` | 3 % | interfaces on the tenant's subnets (or none yet), some static routes |
/// | `publisher` | 1 % | |
///
/// and the counters `{unique_key.}secgroup` (groups deleted before 2.0 advanced it),
/// `{unique_key.}lrouter` and `{unique_key.}floatingip` (each the highest key given);
/// `lswitch` and `lport` have none. From `objects` ≈ 100 on, every variant above occurs
/// at least once (tested for 50 seeds), but for external vlan networks, routers without
/// interfaces and static routes, which need a few thousand objects. The key count
/// (counters included) is within a few percent of `objects` from 100 on; very small
/// requests still get a minimal deployment (two chassis, one tenant, one external
/// network, …: about 20 keys).
///
/// An object is a few hundred bytes, key plus compact JSON value: `secgroup`s, which hold
/// their rules, are the largest, `chassis` the smallest. The test of the mix prints the
/// sizes by table (`--nocapture`). Generating runs in memory and is cheap next to writing
/// the keys to a store.
pub fn generate(objects: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut generator = Generator::new(objects, seed);
    generator.run();
    generator.into_store()
}

fn ipv4(address: u32) -> String {
    let [a, b, c, d] = address.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// A subnet being filled with addresses.
struct SubnetGen {
    id: String,
    v6: bool,
    /// IPv4: the network address; IPv6: unused.
    base4: u32,
    /// IPv6: the /64 prefix ending in `::`; IPv4: unused.
    prefix6: String,
    prefix_len: u8,
    gateway_ip: Option<String>,
    /// The router whose interface holds the gateway address.
    router: Option<String>,
    next_host: u32,
    last_host: u32,
}

impl SubnetGen {
    fn host(&self, n: u32) -> String {
        if self.v6 {
            format!("{}{n:x}", self.prefix6)
        } else {
            ipv4(self.base4 + n)
        }
    }

    fn cidr(&self) -> String {
        if self.v6 {
            format!("{}/{}", self.prefix6, self.prefix_len)
        } else {
            format!("{}/{}", ipv4(self.base4), self.prefix_len)
        }
    }

    fn allocate(&mut self) -> Option<String> {
        (self.next_host <= self.last_host).then(|| {
            self.next_host += 1;
            self.host(self.next_host - 1)
        })
    }
}

struct SwitchGen {
    id: String,
    tenant: Option<usize>,
    subnets: Vec<SubnetGen>,
}

struct Tenant {
    topic: String,
    switches: Vec<usize>,
    secgroups: Vec<String>,
    /// Compute ports a floating IP may be associated with: port id, IPv4 address, router.
    fip_candidates: Vec<(String, String, String)>,
    /// How many IPv4 subnets the tenant has made (their CIDRs repeat across tenants).
    subnets_made: u32,
}

/// A compute port bound to a local chassis, for its OVS port.
struct BoundPort {
    id: String,
    mac: String,
    chassis: usize,
}

struct ChassisGen {
    id: String,
    ip: String,
    tunnel_type: Option<&'static str>,
    compute: bool,
    next_ofport: i64,
}

/// `(direction, ethertype, protocol spellings (empty: null), port_range_min, port_range_max, remote_ip_prefix)`.
type RuleTemplate = (&'static str, &'static str, &'static [&'static str], Option<i64>, Option<i64>, Option<&'static str>);

/// Rules of non-default security groups: the first spelling of a protocol is its name
/// where Neutron has one, the second its number as a decimal string.
const RULE_TEMPLATES: &[RuleTemplate] = &[
    ("ingress", "IPv4", &["tcp", "6"], Some(22), Some(22), Some("0.0.0.0/0")),
    ("ingress", "IPv4", &["tcp", "6"], Some(80), Some(80), Some("0.0.0.0/0")),
    ("ingress", "IPv4", &["tcp", "6"], Some(443), Some(443), Some("0.0.0.0/0")),
    ("ingress", "IPv4", &["tcp", "6"], Some(3306), Some(3306), Some("10.0.0.0/8")),
    ("ingress", "IPv4", &["tcp", "6"], Some(8000), Some(8080), Some("192.168.0.0/16")),
    ("ingress", "IPv4", &["udp", "17"], Some(53), Some(53), Some("10.0.0.0/8")),
    ("ingress", "IPv4", &["udp", "17"], Some(123), Some(123), Some("0.0.0.0/0")),
    ("ingress", "IPv4", &["icmp", "1"], Some(8), Some(0), Some("0.0.0.0/0")),
    ("ingress", "IPv4", &["icmp", "1"], None, None, Some("0.0.0.0/0")),
    ("ingress", "IPv6", &["icmpv6", "58"], None, None, Some("::/0")),
    ("ingress", "IPv6", &["tcp", "6"], Some(22), Some(22), Some("::/0")),
    ("ingress", "IPv4", &["132"], Some(3868), Some(3868), Some("10.0.0.0/8")),
    ("ingress", "IPv4", &["112"], None, None, Some("10.0.0.0/8")),
    ("egress", "IPv4", &[], None, None, Some("0.0.0.0/0")),
    ("egress", "IPv6", &["udp", "17"], Some(547), Some(547), None),
];

/// The first non-default group's rules, `(template, spelling)`: every spelling the 4.0
/// migration maps occurs at least once.
const COVERING_RULES: &[(usize, usize)] = &[(0, 0), (5, 0), (7, 0), (9, 0), (1, 1), (6, 1), (9, 1), (11, 0), (13, 0), (8, 1)];

const SECGROUP_NAMES: &[&str] = &["web", "ssh", "db", "monitoring", "lb", "app", "bastion", "k8s-nodes", "cache", "mq"];
const VM_NAMES: &[&str] = &["web", "db", "app", "worker", "cache", "lb", "build", "k8s-node", "mq", "test"];
const DHCP_OPTIONS: &[(i64, &[&str])] = &[
    (26, &["1450", "1400", "9000"]),
    (15, &["example.org", "corp.example.com", "openstacklocal"]),
    (6, &["192.0.2.53", "8.8.8.8", "10.0.0.2"]),
    (42, &["192.0.2.123", "10.0.0.3"]),
    (119, &["example.org", "corp.example.com"]),
    (66, &["192.0.2.69"]),
    (67, &["pxelinux.0", "undionly.kpxe"]),
];

/// The 2.0 deployment being built.
struct Generator {
    rng: SplitMix64,
    target: usize,
    objects: Vec<(String, Value)>,
    counters: Vec<(&'static str, i64)>,
    admin: String,
    tenants: Vec<Tenant>,
    chassis: Vec<ChassisGen>,
    vteps: Vec<String>,
    switches: Vec<SwitchGen>,
    external: Vec<usize>,
    bound: Vec<BoundPort>,
    macs: u32,
    tunnel_key: i64,
    ports: usize,
}

impl Generator {
    fn new(objects: usize, seed: u64) -> Generator {
        let mut rng = SplitMix64::new(seed);
        let admin = rng.project_id();
        Generator {
            rng,
            target: objects,
            objects: Vec::with_capacity(objects),
            counters: Vec::new(),
            admin,
            tenants: Vec::new(),
            chassis: Vec::new(),
            vteps: Vec::new(),
            switches: Vec::new(),
            external: Vec::new(),
            bound: Vec::new(),
            macs: 0,
            tunnel_key: 0,
            ports: 0,
        }
    }

    /// `share` of the target, at least `min`.
    fn share(&self, share: f64, min: usize) -> usize {
        ((self.target as f64 * share).round() as usize).max(min)
    }

    fn put(&mut self, table: &str, topic: &str, object: Value) {
        let key = format!("{{{table}.{topic}}}{}", object["id"].as_str().expect("every object has an id"));
        self.objects.push((key, object));
    }

    fn into_store(self) -> Vec<(String, Vec<u8>)> {
        let mut store: Vec<(String, Vec<u8>)> =
            self.objects.into_iter().map(|(key, object)| (key, object.to_string().into_bytes())).collect();
        store.extend(self.counters.iter().map(|(table, n)| (format!("{{unique_key.}}{table}"), n.to_string().into_bytes())));
        store.sort();
        store
    }

    fn run(&mut self) {
        let tenants = self.share(1.0 / 50.0, 1);
        for _ in 0..tenants {
            let topic = self.rng.project_id();
            self.tenants.push(Tenant { topic, switches: Vec::new(), secgroups: Vec::new(), fip_candidates: Vec::new(), subnets_made: 0 });
        }
        self.chassis();
        self.publishers();
        let fips = self.share(0.08, 1);
        self.external_switches(fips);
        self.tenant_switches();
        self.secgroups();
        self.routers();
        // Ports: what routers, DHCP and floating IPs need, then compute ports for the rest.
        let compute = self.share(0.45, 0).saturating_sub(self.ports + fips).max(3);
        self.compute_ports(compute);
        self.floating_ips(fips);
        self.ovs_ports();
    }

    fn chassis(&mut self) {
        let count = self.share(0.04, 2);
        let network_nodes = (count / 10).max(1);
        for i in 0..count {
            let compute = i >= network_nodes || count == 1;
            let id = if compute { format!("compute-{:03}", i - network_nodes + 1) } else { format!("network-{:02}", i + 1) };
            let ip = ipv4(u32::from_be_bytes([10, 20, 0, 0]) + 1 + (i / 250 * 256 + i % 250) as u32);
            // The first four cover every 2.0 form of `tunnel_type`.
            let roll = if i < 4 { [0.0, 0.6, 0.9, 0.95][i] } else { self.rng.below(1000) as f64 / 1000.0 };
            let tunnel = match roll {
                r if r < 0.55 => Some(Some("vxlan")),
                r if r < 0.85 => Some(Some("geneve")),
                r if r < 0.93 => Some(None),
                _ => None,
            };
            let external = (!compute || self.rng.chance(0.3)).then(|| ipv4(u32::from_be_bytes([172, 24, 0, 0]) + 1 + i as u32));
            let mut object = json!({"id": id, "ip": ip, "external_host_ip": external});
            if let Some(tunnel_type) = tunnel {
                object["tunnel_type"] = json!(tunnel_type);
            }
            self.put("chassis", "", object);
            self.chassis.push(ChassisGen { id, ip, tunnel_type: tunnel.flatten(), compute, next_ofport: 1 });
        }
        let vteps = (count / 10).max(1);
        self.vteps = (0..vteps).map(|i| ipv4(u32::from_be_bytes([10, 30, 0, 1]) + i as u32)).collect();
    }

    fn publishers(&mut self) {
        for i in 0..self.share(0.01, 1) {
            let host = &self.chassis[i % self.chassis.len()];
            let (name, uri) = (format!("publisher-{}", host.id), format!("tcp://{}:8866", host.ip));
            let id = self.rng.uuid();
            let name = if self.rng.chance(0.2) { Value::Null } else { json!(name) };
            let timestamp = 1_503_996_373.0 + self.rng.below(30 * 86_400) as f64 + self.rng.below(1000) as f64 / 1000.0;
            self.put("publisher", "", json!({"id": id, "name": name, "uri": uri, "last_activity_timestamp": timestamp}));
        }
    }

    /// External networks in the admin topic: big enough for every floating IP twice.
    fn external_switches(&mut self, fips: usize) {
        let count = (self.tenants.len() / 25).max(fips / 500 + 1);
        for k in 0..count {
            let id = self.rng.uuid();
            let flat = k % 2 == 0;
            let physnet = if k % 4 < 2 { "physnet1" } else { "physnet2" };
            let mut subnets = vec![SubnetGen {
                id: self.rng.uuid(),
                v6: false,
                base4: u32::from_be_bytes([100, 64, 0, 0]) + (k as u32) * 1024,
                prefix6: String::new(),
                prefix_len: 22,
                gateway_ip: None,
                router: None,
                next_host: 10,
                last_host: 1022,
            }];
            if self.rng.chance(0.3) {
                subnets.push(SubnetGen {
                    id: self.rng.uuid(),
                    v6: true,
                    base4: 0,
                    prefix6: format!("2001:db8:{k:x}::"),
                    prefix_len: 64,
                    gateway_ip: None,
                    router: None,
                    next_host: 0x10,
                    last_host: 0xFFFF,
                });
            }
            for subnet in &mut subnets {
                subnet.gateway_ip = Some(subnet.host(1));
            }
            let subnets_json: Vec<Value> = subnets
                .iter()
                .map(|s| {
                    json!({"id": s.id, "topic": self.admin, "name": if s.v6 { "public-v6" } else { "public-v4" }, "enable_dhcp": false,
                       "dhcp_ip": null, "cidr": s.cidr(), "gateway_ip": s.gateway_ip, "dns_nameservers": [], "host_routes": []})
                })
                .collect();
            let version = self.rng.between(1, 4);
            let object = json!({"id": id, "topic": self.admin, "name": format!("public-{k}"), "version": version, "is_external": true,
                "mtu": 1500, "segmentation_id": if flat { Value::Null } else { json!(200 + k) },
                "network_type": if flat { "flat" } else { "vlan" }, "physical_network": physnet, "subnets": subnets_json});
            let topic = self.admin.clone();
            self.put("lswitch", &topic, object);
            self.external.push(self.switches.len());
            self.switches.push(SwitchGen { id, tenant: None, subnets });
        }
    }

    fn tenant_switches(&mut self) {
        let count = self.share(0.06, 1).saturating_sub(self.switches.len()).max(self.tenants.len());
        for i in 0..count {
            let tenant = if i < self.tenants.len() { i } else { self.rng.below(self.tenants.len()) };
            // The first four switches have 0, 1, 2 and 3 subnets.
            let subnets = if i < 4 {
                i
            } else {
                match self.rng.below(100) {
                    0..15 => 0,
                    15..70 => 1,
                    70..92 => 2,
                    _ => 3,
                }
            };
            self.tenant_switch(tenant, subnets, i % 7 == 3);
        }
    }

    fn tenant_switch(&mut self, tenant: usize, subnet_count: usize, vlan: bool) {
        let id = self.rng.uuid();
        let topic = self.tenants[tenant].topic.clone();
        let index = self.switches.len();
        let mut subnets = Vec::new();
        let mut subnets_json = Vec::new();
        for n in 0..subnet_count {
            let v6 = n % 2 == 1;
            let mut subnet = if v6 {
                let prefix6 = format!(
                    "fd{:02x}:{:x}:{:x}:{:x}::",
                    self.rng.below(256),
                    self.rng.below(65536),
                    self.rng.below(65536),
                    self.rng.below(65536)
                );
                SubnetGen {
                    id: self.rng.uuid(),
                    v6,
                    base4: 0,
                    prefix6,
                    prefix_len: 64,
                    gateway_ip: None,
                    router: None,
                    next_host: 0x10,
                    last_host: 0xFFFF,
                }
            } else {
                let made = self.tenants[tenant].subnets_made;
                self.tenants[tenant].subnets_made += 1;
                let base4 = match self.rng.below(100) {
                    0..65 => u32::from_be_bytes([10, (made / 256) as u8, (made % 256) as u8, 0]),
                    65..90 => u32::from_be_bytes([192, 168, (made % 256) as u8, 0]),
                    _ => u32::from_be_bytes([172, 16 + (made / 256 % 16) as u8, (made % 256) as u8, 0]),
                };
                SubnetGen {
                    id: self.rng.uuid(),
                    v6,
                    base4,
                    prefix6: String::new(),
                    prefix_len: 24,
                    gateway_ip: None,
                    router: None,
                    next_host: 10,
                    last_host: 254,
                }
            };
            subnet.gateway_ip = (!self.rng.chance(0.05)).then(|| subnet.host(1));
            let enable_dhcp = self.rng.chance(if v6 { 0.4 } else { 0.85 });
            let dns: Vec<&str> = match self.rng.below(4) {
                0 | 1 => vec![],
                2 => vec!["192.0.2.53"],
                _ => vec!["8.8.8.8", "8.8.4.4"],
            };
            let routes: Vec<Value> = if !v6 && self.rng.chance(0.2) {
                (0..self.rng.between(1, 2))
                    .map(|r| json!({"destination": format!("172.{}.0.0/16", 16 + r), "nexthop": subnet.host(254 - r as u32)}))
                    .collect()
            } else {
                vec![]
            };
            let name = if self.rng.chance(0.1) { Value::Null } else { json!(format!("{}-subnet-{n}", if v6 { "v6" } else { "v4" })) };
            subnets_json.push(json!({"id": subnet.id, "topic": topic, "name": name, "enable_dhcp": enable_dhcp,
                "dhcp_ip": if enable_dhcp { json!(subnet.host(2)) } else { Value::Null }, "cidr": subnet.cidr(),
                "gateway_ip": subnet.gateway_ip, "dns_nameservers": dns, "host_routes": routes}));
            subnets.push((subnet, enable_dhcp));
        }
        let segment = 1000 + index as i64;
        let name = if self.rng.chance(0.05) {
            Value::Null
        } else {
            json!(*self.rng.pick(&["private", "internal", "backend", "frontend", "mgmt", "db"]))
        };
        let (network_type, mtu, segmentation_id, physnet) = if vlan {
            ("vlan", json!(1500), 100 + segment % 3900, json!("physnet1"))
        } else {
            ("vxlan", if self.rng.chance(0.05) { Value::Null } else { json!(1450) }, segment, Value::Null)
        };
        let version = self.rng.between(1, 6);
        let object = json!({"id": id, "topic": topic, "name": name, "version": version, "is_external": false, "mtu": mtu,
            "segmentation_id": segmentation_id, "network_type": network_type, "physical_network": physnet, "subnets": subnets_json});
        self.put("lswitch", &topic, object);
        // The network's DHCP port holds the DHCP address of each DHCP-enabled subnet.
        let dhcp_ips: Vec<String> = subnets.iter().filter(|(_, dhcp)| *dhcp).map(|(s, _)| s.host(2)).collect();
        if !dhcp_ips.is_empty() {
            let device = format!("dhcp{}-{id}", self.rng.uuid());
            let dhcp = if self.rng.chance(0.5) { Some(Value::Null) } else { None };
            self.lport(&topic, &id, dhcp_ips, None, Value::Null, false, vec![], Some("network:dhcp"), Some(device), dhcp, vec![]);
        }
        self.tenants[tenant].switches.push(index);
        self.switches.push(SwitchGen { id, tenant: Some(tenant), subnets: subnets.into_iter().map(|(s, _)| s).collect() });
    }

    fn mac(&mut self) -> String {
        // An odd multiplier permutes the 24 bits: unique, yet not sequential.
        let n = self.macs.wrapping_mul(0x9E_3779).wrapping_add(0x5A_5A5A) & 0xFF_FFFF;
        self.macs += 1;
        format!("fa:16:3e:{:02x}:{:02x}:{:02x}", n >> 16, (n >> 8) & 0xFF, n & 0xFF)
    }

    /// Stores a 2.0 port; returns its id, tunnel key and MAC. `dhcp`: `None` leaves
    /// `extra_dhcp_options` out.
    #[allow(clippy::too_many_arguments)]
    fn lport(
        &mut self,
        topic: &str,
        lswitch: &str,
        ips: Vec<String>,
        name: Option<String>,
        chassis: Value,
        remote_vtep: bool,
        security_groups: Vec<String>,
        owner: Option<&str>,
        device_id: Option<String>,
        dhcp: Option<Value>,
        pairs: Vec<Value>,
    ) -> (String, i64, String) {
        let id = self.rng.uuid();
        let mac = self.mac();
        // Keys were handed out over the deployment's life: unique, with gaps.
        self.tunnel_key += if self.rng.chance(0.05) { self.rng.between(2, 5) } else { 1 };
        let version = self.rng.between(1, 8);
        let mut object = json!({"id": id, "topic": topic, "name": name, "version": version, "tunnel_key": self.tunnel_key,
            "ips": ips, "macs": [mac], "enabled": !self.rng.chance(0.03), "chassis": chassis, "remote_vtep": remote_vtep,
            "lswitch": lswitch, "port_security_enabled": !security_groups.is_empty(), "security_groups": security_groups,
            "allowed_address_pairs": pairs, "device_owner": owner, "device_id": device_id});
        if let Some(dhcp) = dhcp {
            object["extra_dhcp_options"] = dhcp;
        }
        self.put("lport", topic, object);
        self.ports += 1;
        (id, self.tunnel_key, mac)
    }

    fn secgroups(&mut self) {
        let count = self.share(0.08, 1).max(self.tenants.len());
        for i in 0..count {
            let tenant = if i < self.tenants.len() { i } else { self.rng.below(self.tenants.len()) };
            let topic = self.tenants[tenant].topic.clone();
            let id = self.rng.uuid();
            let mut rules = Vec::new();
            let mut rule = |rng: &mut SplitMix64,
                            direction: &str,
                            ethertype: &str,
                            protocol: Option<&str>,
                            range: (Option<i64>, Option<i64>),
                            remote_group: Option<&str>,
                            prefix: Option<&str>| {
                rules.push(json!({"id": rng.uuid(), "topic": topic, "version": 1, "direction": direction, "ethertype": ethertype,
                    "port_range_min": range.0, "port_range_max": range.1, "protocol": protocol, "remote_group_id": remote_group,
                    "remote_ip_prefix": prefix, "security_group_id": id}));
            };
            let name = if i < self.tenants.len() {
                // Neutron's default group: anything out, anything in from the group's members.
                for ethertype in ["IPv4", "IPv6"] {
                    rule(&mut self.rng, "egress", ethertype, None, (None, None), None, None);
                    rule(&mut self.rng, "ingress", ethertype, None, (None, None), Some(id.as_str()), None);
                }
                json!("default")
            } else {
                let chosen: Vec<(usize, usize)> = if i == self.tenants.len() {
                    COVERING_RULES.to_vec()
                } else {
                    (0..self.rng.below(7))
                        .map(|_| {
                            let template = self.rng.below(RULE_TEMPLATES.len());
                            let spellings = RULE_TEMPLATES[template].2.len();
                            (template, usize::from(spellings > 1 && self.rng.chance(0.3)))
                        })
                        .collect()
                };
                let default_group = self.tenants[tenant].secgroups.first().cloned();
                for (template, spelling) in chosen {
                    let (direction, ethertype, protocol, min, max, prefix) = RULE_TEMPLATES[template];
                    let from_group = prefix.is_some() && self.rng.chance(0.1);
                    let (group, prefix) = if from_group { (default_group.as_deref(), None) } else { (None, prefix) };
                    rule(&mut self.rng, direction, ethertype, protocol.get(spelling).copied(), (min, max), group, prefix);
                }
                if self.rng.chance(0.05) {
                    Value::Null
                } else {
                    json!(format!("{}-{}", self.rng.pick(SECGROUP_NAMES), self.rng.below(10)))
                }
            };
            let version = self.rng.between(1, 5);
            self.put("secgroup", &topic, json!({"id": id, "topic": topic, "name": name, "version": version, "rules": rules}));
            self.tenants[tenant].secgroups.push(id);
        }
        // Groups created and deleted before 2.0 advanced the counter.
        let counter = self.rng.between(1, (count / 4).max(2) as i64);
        self.counters.push(("secgroup", counter));
    }

    fn routers(&mut self) {
        let count = self.share(0.03, 1);
        let mut unique_key = 0;
        for i in 0..count {
            let tenant = if i < self.tenants.len() { i } else { self.rng.below(self.tenants.len()) };
            let topic = self.tenants[tenant].topic.clone();
            let id = self.rng.uuid();
            // Interfaces on up to three of the tenant's IPv4 subnets that have a gateway
            // and no router yet.
            let mut free: Vec<(usize, usize)> = self.tenants[tenant]
                .switches
                .iter()
                .flat_map(|&s| (0..self.switches[s].subnets.len()).map(move |n| (s, n)))
                .filter(|&(s, n)| {
                    let subnet = &self.switches[s].subnets[n];
                    !subnet.v6 && subnet.gateway_ip.is_some() && subnet.router.is_none()
                })
                .collect();
            self.rng.shuffle(&mut free);
            free.truncate(self.rng.between(1, 3) as usize);
            let mut ports = Vec::new();
            let mut routes = Vec::new();
            for (s, n) in free {
                let lswitch = self.switches[s].id.clone();
                let gateway = self.switches[s].subnets[n].gateway_ip.clone().expect("filtered");
                let network = format!("{gateway}/{}", self.switches[s].subnets[n].prefix_len);
                self.switches[s].subnets[n].router = Some(id.clone());
                let (port, key, mac) = self.lport(
                    &topic,
                    &lswitch,
                    vec![gateway],
                    None,
                    Value::Null,
                    false,
                    vec![],
                    Some("network:router_interface"),
                    Some(id.clone()),
                    Some(Value::Null),
                    vec![],
                );
                if self.rng.chance(0.25) {
                    let nexthop = self.switches[s].subnets[n].host(250);
                    routes.push(
                        json!({"destination": format!("172.{}.{}.0/24", 16 + self.rng.below(16), self.rng.below(256)), "nexthop": nexthop}),
                    );
                }
                ports.push(json!({"id": port, "topic": topic, "unique_key": key, "mac": mac, "lswitch": lswitch, "network": network}));
            }
            unique_key += if self.rng.chance(0.1) { 2 } else { 1 };
            let name = if self.rng.chance(0.1) { Value::Null } else { json!(format!("router-{}", self.rng.below(100))) };
            let version = self.rng.between(1, 6);
            self.put("lrouter", &topic, json!({"id": id, "topic": topic, "name": name, "version": version, "unique_key": unique_key, "ports": ports, "routes": routes}));
        }
        self.counters.push(("lrouter", unique_key));
    }

    fn compute_ports(&mut self, count: usize) {
        let computes: Vec<usize> = (0..self.chassis.len()).filter(|&c| self.chassis[c].compute).collect();
        let tenant_switches: Vec<usize> = (0..self.switches.len()).filter(|&s| self.switches[s].tenant.is_some()).collect();
        for i in 0..count {
            let mut s = *self.rng.pick(&tenant_switches);
            if self.switches[s].subnets.is_empty() && self.rng.chance(0.7) {
                s = *self.rng.pick(&tenant_switches);
            }
            if i == 0 {
                // The first one can have a floating IP: behind a router, if there is one.
                let routed = |&s: &usize| self.switches[s].subnets.iter().any(|n| n.router.is_some());
                s = tenant_switches.iter().copied().find(routed).unwrap_or(s);
            }
            let tenant = self.switches[s].tenant.expect("a tenant switch");
            let topic = self.tenants[tenant].topic.clone();
            let lswitch = self.switches[s].id.clone();
            // The first three: one local, one remote VTEP, one unbound.
            let roll = if i < 3 { [0, 80, 90][i] } else { self.rng.below(100) };
            let (chassis, remote_vtep, owner) = match roll {
                0..78 => (Some(*self.rng.pick(&computes)), false, "compute:nova"),
                78..84 => (None, true, "baremetal:none"),
                _ => (None, false, "compute:nova"),
            };
            let mut ips = Vec::new();
            // The first IPv4 address, and the first one behind a router.
            let (mut v4, mut routed) = (None, None);
            // Some ports have only their IPv4 address on a dual-stack network.
            let skip_v6 = self.rng.chance(0.3);
            for n in 0..self.switches[s].subnets.len() {
                let subnet = &mut self.switches[s].subnets[n];
                if subnet.v6 && !ips.is_empty() && skip_v6 {
                    continue;
                }
                if let Some(ip) = subnet.allocate() {
                    if !subnet.v6 {
                        v4.get_or_insert_with(|| ip.clone());
                        if let (None, Some(router)) = (&routed, &subnet.router) {
                            routed = Some((ip.clone(), router.clone()));
                        }
                    }
                    ips.push(ip);
                }
            }
            let groups = &self.tenants[tenant].secgroups;
            let security_groups = if remote_vtep || self.rng.chance(0.08) {
                vec![]
            } else {
                let mut chosen = vec![groups[0].clone()];
                if groups.len() > 1 && self.rng.chance(0.6) {
                    chosen.push(groups[1 + self.rng.below(groups.len() - 1)].clone());
                }
                chosen
            };
            let pairs = match (&v4, self.rng.chance(0.1)) {
                (Some(ip), true) => {
                    let vip = format!("{}.{}", ip.rsplit_once('.').expect("IPv4").0, 200 + self.rng.below(50));
                    vec![json!({"ip_address": vip, "mac_address": "fa:16:3e:ff:ff:fe"})]
                }
                _ => vec![],
            };
            let dhcp = self.dhcp_options(i);
            let name = if self.rng.chance(0.3) { None } else { Some(format!("{}-{}", self.rng.pick(VM_NAMES), self.rng.below(1000))) };
            let chassis_value = match (chassis, remote_vtep) {
                (Some(c), _) => json!(self.chassis[c].id),
                (None, true) => json!(self.rng.pick(&self.vteps).clone()),
                (None, false) => Value::Null,
            };
            let unbound_unattached = chassis.is_none() && !remote_vtep && self.rng.chance(0.4);
            let (owner, device) = if unbound_unattached { (None, None) } else { (Some(owner), Some(self.rng.uuid())) };
            let (id, _, mac) =
                self.lport(&topic, &lswitch, ips, name, chassis_value, remote_vtep, security_groups, owner, device, dhcp, pairs);
            if let Some(c) = chassis {
                self.bound.push(BoundPort { id: id.clone(), mac, chassis: c });
            }
            if let Some((ip, router)) = routed {
                self.tenants[tenant].fip_candidates.push((id, ip, router));
            }
        }
    }

    /// A compute port's `extra_dhcp_options`: `None` leaves it out.
    fn dhcp_options(&mut self, i: usize) -> Option<Value> {
        // The first four ports: null, [], absent, several with a repeated tag.
        let roll = if i < 4 { [0, 40, 60, 70][i] } else { self.rng.below(100) };
        match roll {
            0..35 => Some(Value::Null),
            35..55 => Some(json!([])),
            55..65 => None,
            _ => {
                let mut options: Vec<Value> = Vec::new();
                let mut tags: Vec<usize> = (0..DHCP_OPTIONS.len()).collect();
                self.rng.shuffle(&mut tags);
                for &t in tags.iter().take(self.rng.between(2, 4) as usize) {
                    let (tag, values) = DHCP_OPTIONS[t];
                    options.push(json!({"tag": tag, "value": self.rng.pick(values)}));
                }
                if i < 4 || self.rng.chance(0.4) {
                    // Set twice (e.g. by two API calls): the later one wins on upgrade.
                    let (tag, values) = DHCP_OPTIONS[tags[0]];
                    options.push(json!({"tag": tag, "value": format!("{}-override", self.rng.pick(values))}));
                }
                Some(Value::Array(options))
            }
        }
    }

    fn floating_ips(&mut self, count: usize) {
        let mut unique_key = 0;
        for i in 0..count {
            let mut tenant = self.rng.below(self.tenants.len());
            if i == 0 {
                // The first one is associated if any port can be.
                tenant = (0..self.tenants.len()).find(|&t| !self.tenants[t].fip_candidates.is_empty()).unwrap_or(tenant);
            }
            let topic = self.tenants[tenant].topic.clone();
            let id = self.rng.uuid();
            // The external port holding the address, in the admin topic.
            let mut tries = 0;
            let (lswitch, address) = loop {
                let s = self.external[self.rng.below(self.external.len())];
                tries += 1;
                if let Some(address) = self.switches[s].subnets[0].allocate() {
                    break (self.switches[s].id.clone(), address);
                }
                assert!(tries < 10_000, "the external networks are sized for twice the floating IPs");
            };
            let admin = self.admin.clone();
            let dhcp = self.rng.chance(0.5).then_some(Value::Null);
            let (floating_lport, _, _) = self.lport(
                &admin,
                &lswitch,
                vec![address.clone()],
                None,
                Value::Null,
                false,
                vec![],
                Some("network:floatingip"),
                Some(id.clone()),
                dhcp,
                vec![],
            );
            let candidates = &mut self.tenants[tenant].fip_candidates;
            // The first is associated, the second not (if they can be); then 70 % are.
            let association = (!candidates.is_empty() && i != 1 && (i == 0 || self.rng.chance(0.7)))
                .then(|| candidates.swap_remove(self.rng.below(candidates.len())));
            let (lport, fixed, router) = match association {
                Some((port, ip, router)) => (json!(port), json!(ip), json!(router)),
                None => (Value::Null, Value::Null, Value::Null),
            };
            unique_key += if self.rng.chance(0.05) { 3 } else { 1 };
            let name =
                if i == 1 || (i > 1 && self.rng.chance(0.4)) { Value::Null } else { json!(format!("fip-{}", self.rng.below(10_000))) };
            let version = self.rng.between(1, 4);
            self.put(
                "floatingip",
                &topic,
                json!({"id": id, "topic": topic, "name": name, "version": version, "unique_key": unique_key,
                "floating_ip_address": address, "fixed_ip_address": fixed, "lport": lport, "floating_lport": floating_lport,
                "lrouter": router}),
            );
        }
        self.counters.push(("floatingip", unique_key));
    }

    #[allow(clippy::too_many_arguments)]
    fn ovs_port(
        &mut self,
        name: String,
        ofport: Option<i64>,
        kind: &str,
        iface_id: Option<String>,
        peer: Option<&str>,
        peer_bridge: Option<&str>,
        macs: (Option<String>, Option<String>),
        tunnel_type: Option<&str>,
    ) {
        let id = self.rng.uuid();
        let admin_state = match self.rng.below(100) {
            0..92 => json!("up"),
            92..97 => json!("down"),
            _ => Value::Null,
        };
        self.put("ovs_port", "", json!({"id": id, "name": name, "ofport": ofport, "admin_state": admin_state, "iface_id": iface_id,
            "type": kind, "peer": peer, "peer_bridge": peer_bridge, "mac_in_use": macs.0, "attached_mac": macs.1, "tunnel_type": tunnel_type}));
    }

    fn ovs_ports(&mut self) {
        let budget = self.share(0.25, 0);
        let mut made = 0;
        for c in 0..self.chassis.len() {
            let bridge_port = self.rng.chance(0.5).then_some(65534);
            self.ovs_port("br-int".into(), bridge_port, "bridge", None, None, None, (None, None), None);
            made += 1;
            if let Some(tunnel_type) = self.chassis[c].tunnel_type {
                let ofport = self.next_ofport(c);
                self.ovs_port(format!("{tunnel_type}-vtp"), Some(ofport), "tunnel", None, None, None, (None, None), Some(tunnel_type));
                made += 1;
            }
            if !self.chassis[c].compute || c % 3 == 0 {
                let ofport = self.next_ofport(c);
                self.ovs_port("patch-ex".into(), Some(ofport), "patch", None, Some("patch-int"), Some("br-ex"), (None, None), None);
                made += 1;
            }
        }
        let mut bound = std::mem::take(&mut self.bound);
        self.rng.shuffle(&mut bound);
        bound.truncate(budget.saturating_sub(made));
        for port in &bound {
            let ofport = self.next_ofport(port.chassis);
            let tap = format!("tap{}", &port.id[..11]);
            let in_use = format!("fe{}", &port.mac[2..]);
            self.ovs_port(tap, Some(ofport), "vm", Some(port.id.clone()), None, None, (Some(in_use), Some(port.mac.clone())), None);
            made += 1;
        }
        // Chassis that still had a tunnel port per peer, as before virtual tunnel ports.
        while made < budget {
            let c = self.rng.below(self.chassis.len());
            let peer = self.rng.below(self.chassis.len());
            let tunnel_type = self.chassis[c].tunnel_type.unwrap_or("vxlan");
            let ofport = self.next_ofport(c);
            let name = format!("df-{}", self.chassis[peer].id);
            self.ovs_port(name, Some(ofport), "tunnel", None, None, None, (None, None), Some(tunnel_type));
            made += 1;
        }
    }

    fn next_ofport(&mut self, chassis: usize) -> i64 {
        self.chassis[chassis].next_ofport += 1;
        self.chassis[chassis].next_ofport
    }
}
