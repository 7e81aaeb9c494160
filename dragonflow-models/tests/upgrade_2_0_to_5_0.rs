//! A small but realistic 2.0 database (one tenant network with a VM, a router, a remote
//! VTEP port, security groups, a floating IP; an external network; chassis; OVS ports)
//! upgraded to 5.0: every hand-written migration of this crate in `proposed_at` order,
//! then the recorded defaults of the automatic steps. Every object must then decode as
//! its head model, and the database must be exactly the expected 5.0 one, topics and
//! counters included.
//!
//! The engine interleaves automatic steps with the migrations by release; here every
//! automatic step is the last step of its model, so filling the defaults at the end is
//! the same.

use df_schema::core::{steps_of, Change};
use df_schema::registry::{self, MigrationEntry, ModelEntry};
use df_schema::NbApi;
use dragonflow_models::{
    Chassis, FloatingIp, LiveMigration, LogicalPort, LogicalRouter, LogicalSwitch, Publisher, SecurityGroup, Subnet,
    SwitchPort,
};
use dragonflow_fixtures as fixtures;
use serde_json::{json, Map, Value};
use std::path::Path;

/// An `NbApi` holding `objects`, given by store key, `{<table>.<topic>}<id>`.
fn load(objects: Value) -> NbApi {
    let mut nb = NbApi::new();
    for (key, object) in objects.as_object().unwrap() {
        let (slot, id) = key.strip_prefix('{').and_then(|k| k.split_once('}')).unwrap();
        let (table, topic) = slot.split_once('.').unwrap();
        assert_eq!(object["id"], *id, "{key}");
        nb.put_in_topic(table, topic, object.as_object().unwrap().clone()).unwrap();
    }
    nb
}

/// The whole database by store key.
fn dump(nb: &NbApi) -> Value {
    let mut objects = Map::new();
    for table in nb.tables() {
        for (id, stored) in nb.iter(table) {
            objects.insert(format!("{{{table}.{}}}{id}", stored.topic()), Value::Object(stored.object().clone()));
        }
    }
    Value::Object(objects)
}

fn release_2_0() -> NbApi {
    let mut nb = load(fixtures::release_2_0_objects());
    for (table, counter) in fixtures::RELEASE_2_0_COUNTERS {
        nb.set_counter(table, *counter);
    }
    nb
}

fn ours(lock: &str) -> bool {
    let this = Path::new(env!("CARGO_MANIFEST_DIR")).join("df-schema.lock").canonicalize().unwrap();
    Path::new(lock).canonicalize().is_ok_and(|lock| lock == this)
}

fn models() -> Vec<&'static ModelEntry> {
    registry::models().into_iter().filter(|m| ours(m.lock)).collect()
}

/// This crate's hand-written migrations in `proposed_at` order.
fn migrations() -> Vec<&'static MigrationEntry> {
    let mut migrations: Vec<_> = registry::migrations().into_iter().filter(|m| ours(m.lock)).collect();
    migrations.sort_by_key(|m| m.proposed_at);
    migrations
}

/// `(table, field, default)` of every field an automatic step adds, as the lock records them.
fn automatic_defaults() -> Vec<(String, String, Value)> {
    let mut defaults = Vec::new();
    for model in models() {
        let history = (model.history)();
        for step in steps_of(model.name, history, model.version).into_iter().filter(df_schema::core::Step::is_automatic) {
            let table = &history.versions[&step.to].schema.table;
            for change in &step.changes {
                if let Change::Added(field) = change {
                    let default = field.default.clone().expect("an automatic step adds fields with defaults");
                    defaults.push((table.clone(), field.name.clone(), default));
                }
            }
        }
    }
    defaults
}

#[test]
fn the_2_0_database_is_baseline_shaped() {
    let nb = release_2_0();
    for table in nb.tables() {
        let baseline = models()
            .into_iter()
            .find_map(|m| (m.history)().versions.get(&1).filter(|v| v.schema.table == table))
            .unwrap_or_else(|| panic!("no model stored in `{table}` at 2.0"));
        for (id, stored) in nb.iter(table) {
            let object = Value::Object(stored.object().clone());
            assert!(baseline.schema.object_ty().accepts(&object), "{table} {id} is not a 2.0 object: {object}");
        }
    }
}

#[test]
fn upgrading_2_0_to_5_0_gives_head_shaped_objects_in_their_topics() {
    let mut nb = release_2_0();
    let ids: Vec<&str> = migrations().iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [
            "lport-v2-unique-key",
            "chassis-v2-tunnel-types",
            "lswitch-v2-unique-key",
            "secgroup-v2-unique-key",
            "lport-v3-binding",
            "lport-v4-dhcp-params",
            "secgroup-v3-protocol-numbers",
            "floatingip-v2-no-unique-key",
            "switch-port-v2-from-ovs-port",
            "lswitch-v3-lsubnet",
            "floatingip-v3-no-name",
            "switch-port-v3-no-peer-bridge",
        ]
    );
    for migration in migrations() {
        migration.run(&mut nb).unwrap_or_else(|e| panic!("{}: {e}", migration.id));
    }
    let defaults = automatic_defaults();
    assert_eq!(
        defaults,
        [
            ("lport".to_owned(), "binding_vnic_type".to_owned(), json!("normal")),
            ("lswitch".to_owned(), "qos_policy".to_owned(), Value::Null),
        ]
    );
    for (table, field, default) in &defaults {
        nb.fill_default(table, field, default);
    }

    // Every object decodes as its head model, through the registry...
    let heads = models();
    for table in nb.tables() {
        let model = heads.iter().find(|m| m.table == table).unwrap_or_else(|| panic!("`{table}` is no head model's table"));
        for (id, stored) in nb.iter(table) {
            let decoded = (model.decode)(&serde_json::to_vec(stored.object()).unwrap());
            assert_eq!(decoded, Ok(()), "{} {id}", model.name);
            assert_eq!(stored.topic(), stored.object().get("topic").and_then(Value::as_str).unwrap_or(""), "{table} {id}");
        }
    }
    // ...and typed.
    assert_eq!(nb.models::<Chassis>().unwrap().len(), 3);
    assert_eq!(nb.models::<Publisher>().unwrap().len(), 1);
    assert_eq!(nb.models::<LogicalSwitch>().unwrap().len(), 3);
    assert_eq!(nb.models::<Subnet>().unwrap().len(), 3);
    assert_eq!(nb.models::<LogicalPort>().unwrap().len(), 4);
    assert_eq!(nb.models::<SecurityGroup>().unwrap().len(), 2);
    assert_eq!(nb.models::<LogicalRouter>().unwrap().len(), 1);
    assert_eq!(nb.models::<FloatingIp>().unwrap().len(), 1);
    assert_eq!(nb.models::<SwitchPort>().unwrap().len(), 4);
    assert_eq!(nb.models::<LiveMigration>().unwrap().len(), 0);
    let port: LogicalPort = nb.get_model("port-vm1").unwrap().unwrap();
    assert_eq!(port.dhcp_params.opts.get("26").map(String::as_str), Some("1400"));

    assert_eq!(dump(&nb), fixtures::release_5_0_objects());
    let counters: Vec<(&str, i64)> = nb.counters().iter().map(|(t, c)| (t.as_str(), *c)).collect();
    assert_eq!(counters, fixtures::RELEASE_5_0_COUNTERS);
}

#[test]
fn bad_data_stops_the_upgrade_naming_the_object() {
    let mut nb = release_2_0();
    let mut group = nb.get("secgroup", "sg-web").unwrap().clone();
    group["rules"][1]["protocol"] = json!("dns");
    nb.put("secgroup", group).unwrap();
    let failure = migrations().into_iter().find_map(|m| m.run(&mut nb).err().map(|e| (m.id, e.to_string())));
    assert_eq!(
        failure,
        Some((
            "secgroup-v3-protocol-numbers",
            "table `secgroup`, object `sg-web`: rule rule-dns: protocol \"dns\" is neither icmp, tcp, udp, icmpv6 nor a \
             protocol number \"0\"…\"255\""
                .to_owned()
        ))
    );
}
