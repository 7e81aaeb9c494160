//! The schema lock against the contract, `dragonflow-nb-history.md`: every version of
//! every model with its table and release, the 2.0 baseline and 5.0 head shapes field by
//! field, what each step changes and whether it is automatic, and the order of the
//! hand-written migrations.

use df_schema::core::{steps_of, Change, ModelHistory, Ty};
use df_schema::registry::{self, MigrationTarget};
use std::path::Path;

// Registrations exist only in linked crates: name the model crate once.
use dragonflow_models as _;

fn history(model: &str) -> &'static ModelHistory {
    let entry = registry::models().into_iter().find(|m| m.name == model);
    (entry.unwrap_or_else(|| panic!("{model} is not registered")).history)()
}

/// A recorded version: `(version, table, release)`.
type Version = (u32, &'static str, &'static str);

/// Every recorded version of every model.
const VERSIONS: &[(&str, &[Version])] = &[
    ("Chassis", &[(1, "chassis", "2.0"), (2, "chassis", "3.0")]),
    ("FloatingIp", &[(1, "floatingip", "2.0"), (2, "floatingip", "4.0"), (3, "floatingip", "5.0")]),
    ("LiveMigration", &[(1, "migration", "4.0")]),
    ("LogicalPort", &[(1, "lport", "2.0"), (2, "lport", "3.0"), (3, "lport", "4.0"), (4, "lport", "4.0"), (5, "lport", "5.0")]),
    ("LogicalRouter", &[(1, "lrouter", "2.0")]),
    ("LogicalSwitch", &[(1, "lswitch", "2.0"), (2, "lswitch", "3.0"), (3, "lswitch", "5.0"), (4, "lswitch", "5.0")]),
    ("Publisher", &[(1, "publisher", "2.0")]),
    ("SecurityGroup", &[(1, "secgroup", "2.0"), (2, "secgroup", "3.0"), (3, "secgroup", "4.0")]),
    ("Subnet", &[(1, "lsubnet", "5.0")]),
    ("SwitchPort", &[(1, "ovs_port", "2.0"), (2, "switch_port", "4.0"), (3, "switch_port", "5.0")]),
];

#[test]
fn every_version_is_recorded_with_its_table_and_release() {
    let registered: Vec<&str> = registry::models().iter().map(|m| m.name).collect();
    let expected: Vec<&str> = VERSIONS.iter().map(|(model, _)| *model).collect();
    assert_eq!(registered, expected);
    for (model, versions) in VERSIONS {
        let recorded: Vec<Version> = history(model)
            .versions
            .iter()
            .map(|(v, r)| (*v, r.schema.table.as_str(), r.schema.release.as_deref().unwrap_or("none")))
            .collect();
        assert_eq!(&recorded, versions, "{model}");
    }
}

/// The contract's "Baseline (release 2.0)" shapes, written out whole.
const BASELINE: &[(&str, &str)] = &[
    ("Chassis", "{id: str, ip: str, external_host_ip: str?, tunnel_type: str?}"),
    ("Publisher", "{id: str, name: str?, uri: str, last_activity_timestamp: float}"),
    (
        "LogicalSwitch",
        "{id: str, topic: str, name: str?, version: int, is_external: bool, mtu: int?, segmentation_id: int?,
          network_type: str?, physical_network: str?,
          subnets: [{id: str, topic: str, name: str?, enable_dhcp: bool, dhcp_ip: str?, cidr: str, gateway_ip: str?,
                     dns_nameservers: [str], host_routes: [{destination: str, nexthop: str}]}]}",
    ),
    (
        "LogicalPort",
        "{id: str, topic: str, name: str?, version: int, tunnel_key: int, ips: [str], macs: [str], enabled: bool,
          chassis: str?, remote_vtep: bool, lswitch: str, security_groups: [str],
          allowed_address_pairs: [{ip_address: str, mac_address: str}], port_security_enabled: bool,
          device_owner: str?, device_id: str?, extra_dhcp_options: [{tag: int, value: str}]?}",
    ),
    (
        "LogicalRouter",
        "{id: str, topic: str, name: str?, version: int, unique_key: int,
          ports: [{id: str, topic: str, unique_key: int, mac: str, lswitch: str, network: str}],
          routes: [{destination: str, nexthop: str}]}",
    ),
    (
        "FloatingIp",
        "{id: str, topic: str, name: str?, version: int, unique_key: int, floating_ip_address: str,
          fixed_ip_address: str?, lport: str?, floating_lport: str?, lrouter: str?}",
    ),
    (
        "SecurityGroup",
        "{id: str, topic: str, name: str?, version: int,
          rules: [{id: str, topic: str, version: int, direction: str, ethertype: str, port_range_min: int?,
                   port_range_max: int?, protocol: str?, remote_group_id: str?, remote_ip_prefix: str?,
                   security_group_id: str}]}",
    ),
    (
        "SwitchPort",
        "{id: str, name: str?, ofport: int?, admin_state: str?, iface_id: str?, type: str?, peer: str?,
          peer_bridge: str?, mac_in_use: str?, attached_mac: str?, tunnel_type: str?}",
    ),
];

/// The contract's "Head (release 5.0)" shapes, written out whole.
const HEAD: &[(&str, &str)] = &[
    ("Chassis", "{id: str, ip: str, external_host_ip: str?, tunnel_types: [str]}"),
    ("Publisher", "{id: str, name: str?, uri: str, last_activity_timestamp: float}"),
    (
        "LogicalSwitch",
        "{id: str, topic: str, name: str?, version: int, unique_key: int, is_external: bool, mtu: int?,
          segmentation_id: int?, network_type: str?, physical_network: str?, qos_policy: str?}",
    ),
    (
        "Subnet",
        "{id: str, topic: str, name: str?, version: int, cidr: str, gateway_ip: str?, dns_nameservers: [str],
          host_routes: [{destination: str, nexthop: str}], lswitch: str}",
    ),
    (
        "LogicalPort",
        "{id: str, topic: str, name: str?, version: int, unique_key: int, ips: [str], macs: [str], enabled: bool,
          binding: {type: str, chassis: str?, vtep_address: str?}?, lswitch: str, security_groups: [str],
          allowed_address_pairs: [{ip_address: str, mac_address: str}], port_security_enabled: bool,
          device_owner: str?, device_id: str?, dhcp_params: {opts: map<str>, siaddr: str?}, binding_vnic_type: str}",
    ),
    (
        "LogicalRouter",
        "{id: str, topic: str, name: str?, version: int, unique_key: int,
          ports: [{id: str, topic: str, unique_key: int, mac: str, lswitch: str, network: str}],
          routes: [{destination: str, nexthop: str}]}",
    ),
    (
        "FloatingIp",
        "{id: str, topic: str, version: int, floating_ip_address: str, fixed_ip_address: str?, lport: str?,
          floating_lport: str?, lrouter: str?}",
    ),
    (
        "SecurityGroup",
        "{id: str, topic: str, name: str?, version: int, unique_key: int,
          rules: [{id: str, topic: str, version: int, direction: str, ethertype: str, port_range_min: int?,
                   port_range_max: int?, protocol: int?, remote_group_id: str?, remote_ip_prefix: str?,
                   security_group_id: str}]}",
    ),
    (
        "SwitchPort",
        "{id: str, name: str?, port_num: int?, admin_state: str?, lport: str?, type: str?, peer: str?,
          mac_in_use: str?, attached_mac: str?, tunnel_type: str?}",
    ),
    ("LiveMigration", "{id: str, dest_chassis: str?, lport: str?, status: str}"),
];

/// The contract writes integers as `int`, whatever their width: a recorded width fills it.
fn assert_matches(recorded: &Ty, contract: &str, what: &str) {
    let contract = parse(contract);
    assert!(recorded.fills_widths_of(&contract), "{what}: recorded {recorded}, the contract says {contract}");
}

fn parse(shape: &str) -> Ty {
    let one_line = shape.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.parse().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_baseline_is_the_contract_s_2_0_shapes() {
    for (model, shape) in BASELINE {
        let recorded = &history(model).versions[&1];
        assert_matches(&recorded.schema.object_ty(), shape, &format!("{model} v1"));
    }
}

#[test]
fn the_head_is_the_contract_s_5_0_shapes() {
    assert_eq!(HEAD.len(), registry::models().len());
    for (model, shape) in HEAD {
        let (version, recorded) = history(model).latest().unwrap();
        assert_matches(&recorded.schema.object_ty(), shape, &format!("{model} v{version}"));
    }
}

#[test]
fn the_only_default_besides_null_is_binding_vnic_type() {
    // `binding_vnic_type` is the one non-nullable field with a default; every other
    // default is the `null` of an `Option`.
    for entry in registry::models() {
        let (_, head) = (entry.history)().latest().unwrap();
        for field in &head.schema.fields {
            match (&field.default, field.nullable) {
                (Some(serde_json::Value::Null), true) | (None, false) => {}
                (Some(default), false) => {
                    assert_eq!((entry.name, field.name.as_str(), default), ("LogicalPort", "binding_vnic_type", &serde_json::json!("normal")));
                }
                other => panic!("{}.{}: {other:?}", entry.name, field.name),
            }
        }
    }
}

/// Every step: what it changes (`+` added, `-` removed, `~` changed, `table` renamed)
/// and whether the framework applies it by itself.
const STEPS: &[(&str, u32, &[&str], bool)] = &[
    ("Chassis", 2, &["-tunnel_type", "+tunnel_types"], false),
    ("FloatingIp", 2, &["-unique_key"], false),
    ("FloatingIp", 3, &["-name"], false),
    ("LogicalPort", 2, &["-tunnel_key", "+unique_key"], false),
    ("LogicalPort", 3, &["+binding", "-chassis", "-remote_vtep"], false),
    ("LogicalPort", 4, &["+dhcp_params", "-extra_dhcp_options"], false),
    ("LogicalPort", 5, &["+binding_vnic_type"], true),
    ("LogicalSwitch", 2, &["+unique_key"], false),
    ("LogicalSwitch", 3, &["-subnets"], false),
    ("LogicalSwitch", 4, &["+qos_policy"], true),
    ("SecurityGroup", 2, &["+unique_key"], false),
    ("SecurityGroup", 3, &["~rules"], false),
    ("SwitchPort", 2, &["-iface_id", "+lport", "-ofport", "+port_num", "table ovs_port → switch_port"], false),
    ("SwitchPort", 3, &["-peer_bridge"], false),
];

#[test]
fn every_step_changes_what_the_contract_says() {
    let mut steps = Vec::new();
    for entry in registry::models() {
        for step in steps_of(entry.name, (entry.history)(), entry.version) {
            let changes: Vec<String> = step
                .changes
                .iter()
                .map(|change| match change {
                    Change::Added(f) => format!("+{}", f.name),
                    Change::Removed(f) => format!("-{}", f.name),
                    Change::Modified { to, .. } => format!("~{}", to.name),
                    Change::TableRenamed { from, to } => format!("table {from} → {to}"),
                    other @ Change::ReleaseChanged { .. } => format!("{other}"),
                })
                .collect();
            steps.push((step.model.clone(), step.to, changes, step.is_automatic()));
        }
    }
    let expected: Vec<(String, u32, Vec<String>, bool)> = STEPS
        .iter()
        .map(|(model, to, changes, automatic)| {
            ((*model).to_owned(), *to, changes.iter().map(|c| (*c).to_owned()).collect(), *automatic)
        })
        .collect();
    assert_eq!(steps, expected);
}

/// The contract table's hand-written rows, in its order.
const MIGRATIONS: &[(&str, &str, u32)] = &[
    ("3.0", "LogicalPort", 2),
    ("3.0", "Chassis", 2),
    ("3.0", "LogicalSwitch", 2),
    ("3.0", "SecurityGroup", 2),
    ("4.0", "LogicalPort", 3),
    ("4.0", "LogicalPort", 4),
    ("4.0", "SecurityGroup", 3),
    ("4.0", "FloatingIp", 2),
    ("4.0", "SwitchPort", 2),
    ("5.0", "LogicalSwitch", 3),
    ("5.0", "FloatingIp", 3),
    ("5.0", "SwitchPort", 3),
];

#[test]
fn proposed_dates_order_the_migrations_as_the_contract_rows() {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("df-schema.lock").canonicalize().unwrap();
    let mut migrations: Vec<_> =
        registry::migrations().into_iter().filter(|m| Path::new(m.lock).canonicalize().ok().as_ref() == Some(&lock)).collect();
    migrations.sort_by_key(|m| m.proposed_at);
    let ordered: Vec<(&str, &str, u32)> = migrations
        .iter()
        .map(|m| match m.target {
            MigrationTarget::Step { model, to } => (m.release, model, to),
            MigrationTarget::Removes { model, .. } => panic!("no model was removed, yet {} removes {model}", m.id),
        })
        .collect();
    assert_eq!(ordered, MIGRATIONS);
    for m in &migrations {
        let MigrationTarget::Step { model, to } = m.target else { unreachable!() };
        let recorded = history(model).versions[&to].schema.release.as_deref();
        assert_eq!(Some(m.release), recorded, "{}: the migration ships with the version it produces", m.id);
    }
}
