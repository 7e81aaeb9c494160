//! The generated 2.0 deployments (`dragonflow_fixtures::generate`): deterministic, of about the size
//! asked for, in the 2.0 shapes and Dragonflow's key layout exactly, with every case the
//! migrations handle; and the engine upgrades one to 5.0.

use df_migrations::layout::{parse, Key, StoredKey};
use df_migrations::store::{MemoryStore, Op, Store};
use df_migrations::{Build, Engine, UpgradeOptions};
use df_schema::registry::{self, ModelEntry};
// Links the models and migrations the generated deployments are upgraded with.
use dragonflow_models as _;
use dragonflow_fixtures::generate;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const APPLIED_AT: &str = "2026-11-25T12:00:00Z";

fn ours(lock: &str) -> bool {
    let this = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dragonflow-models/df-schema.lock").canonicalize().unwrap();
    Path::new(lock).canonicalize().is_ok_and(|lock| lock == this)
}

fn models() -> Vec<&'static ModelEntry> {
    registry::models().into_iter().filter(|m| ours(m.lock)).collect()
}

/// A generated store, parsed: objects `(table, topic, id, object)` and counters.
struct Parsed {
    objects: Vec<(String, String, String, Value)>,
    counters: BTreeMap<String, i64>,
}

fn parsed(store: &[(String, Vec<u8>)]) -> Parsed {
    let mut objects = Vec::new();
    let mut counters = BTreeMap::new();
    for (key, bytes) in store {
        match parse(key.as_bytes()).unwrap_or_else(|e| panic!("{e}")) {
            StoredKey::Live(Key::Object { table, topic, id }) => {
                let object: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{key}: {e}"));
                // Compact JSON, exactly as serde_json writes it.
                assert_eq!(object.to_string().as_bytes(), bytes.as_slice(), "{key}");
                objects.push((table, topic, id, object));
            }
            StoredKey::Live(Key::Counter { table }) => {
                let text = std::str::from_utf8(bytes).unwrap();
                counters.insert(table, text.parse().unwrap_or_else(|_| panic!("{key} holds {text:?}")));
            }
            other => panic!("{key} is {other:?}"),
        }
    }
    Parsed { objects, counters }
}

fn of<'a>(parsed: &'a Parsed, table: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    parsed.objects.iter().filter(move |o| o.0 == table).map(|o| &o.3)
}

#[test]
fn the_same_size_and_seed_give_the_same_bytes() {
    for n in [100, 2_000] {
        assert_eq!(generate(n, 7), generate(n, 7));
        assert_ne!(generate(n, 7), generate(n, 8));
    }
    // The seed varies the data, not the mix.
    let tables = |store: &[(String, Vec<u8>)]| {
        let mut counts = BTreeMap::new();
        for (key, _) in store {
            *counts.entry(key[1..key.find('.').unwrap()].to_owned()).or_insert(0) += 1;
        }
        counts
    };
    let (a, b) = (tables(&generate(2_000, 1)), tables(&generate(2_000, 2)));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
}

#[test]
fn the_count_is_about_what_was_asked() {
    for n in [100, 1_000, 10_000] {
        for seed in [1, 2, 3] {
            let count = generate(n, seed).len();
            let off = (count as f64 - n as f64).abs() / n as f64;
            assert!(off <= 0.03, "n={n} seed={seed}: {count} keys");
        }
    }
    assert!(!generate(0, 1).is_empty(), "even a tiny request gets a minimal deployment");
}

#[test]
fn every_object_has_its_2_0_shape_a_key_in_the_layout_and_a_unique_id() {
    let baselines: BTreeMap<String, df_schema::core::Ty> = models()
        .into_iter()
        .filter_map(|m| (m.history)().versions.get(&1).filter(|v| v.schema.release.as_deref() == Some("2.0")))
        .map(|v| (v.schema.table.clone(), v.schema.object_ty()))
        .collect();
    assert_eq!(baselines.len(), 8, "{:?}", baselines.keys());
    for (n, seed) in [(5, 1), (100, 1), (100, 2), (10_000, 3)] {
        let parsed = parsed(&generate(n, seed));
        let mut ids: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (table, topic, id, object) in &parsed.objects {
            let ty = baselines.get(table).unwrap_or_else(|| panic!("no 2.0 model stores `{table}`"));
            assert!(ty.accepts(object), "{table} {id} is not a 2.0 object: {object}");
            assert_eq!(object["id"].as_str(), Some(id.as_str()), "{table} {id}");
            assert!(ids.insert((table, id)), "{table} {id} twice");
            match object.get("topic") {
                Some(member) => assert_eq!(member.as_str(), Some(topic.as_str()), "{table} {id}"),
                None => assert_eq!(topic, "", "{table} {id}: a model without a topic is stored in the empty topic"),
            }
        }
        assert_eq!(parsed.counters.keys().collect::<Vec<_>>(), ["floatingip", "lrouter", "secgroup"]);
        // Unique keys: unique, and below the counters that hand out the next ones.
        for (table, member) in [("lport", "tunnel_key"), ("lrouter", "unique_key"), ("floatingip", "unique_key")] {
            let keys: Vec<i64> = of(&parsed, table).map(|o| o[member].as_i64().unwrap()).collect();
            assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), keys.len(), "{table}.{member} repeats");
            if let Some(counter) = parsed.counters.get(table) {
                assert!(keys.iter().all(|k| k <= counter), "{table}: a key above the counter {counter}");
            }
        }
        assert!(parsed.counters["secgroup"] > 0);
        // References point at generated objects.
        let exists = |table: &str, id: &str| ids.contains(&(table, id));
        for port in of(&parsed, "lport") {
            assert!(exists("lswitch", port["lswitch"].as_str().unwrap()));
            for group in port["security_groups"].as_array().unwrap() {
                assert!(exists("secgroup", group.as_str().unwrap()));
            }
            if let (Some(chassis), false) = (port["chassis"].as_str(), port["remote_vtep"].as_bool().unwrap()) {
                assert!(exists("chassis", chassis));
            }
        }
        for router in of(&parsed, "lrouter") {
            for port in router["ports"].as_array().unwrap() {
                assert!(exists("lport", port["id"].as_str().unwrap()) && exists("lswitch", port["lswitch"].as_str().unwrap()));
            }
        }
        for fip in of(&parsed, "floatingip") {
            assert!(exists("lport", fip["floating_lport"].as_str().unwrap()));
            for (member, table) in [("lport", "lport"), ("lrouter", "lrouter")] {
                if let Some(id) = fip[member].as_str() {
                    assert!(exists(table, id));
                }
            }
        }
        for port in of(&parsed, "ovs_port") {
            if let Some(id) = port["iface_id"].as_str() {
                assert!(exists("lport", id));
            }
        }
    }
}

#[test]
fn every_case_the_migrations_handle_occurs() {
    for (n, seed) in (1..=50).map(|seed| (100, seed)).chain([(10_000, 1)]) {
        let parsed = parsed(&generate(n, seed));
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut see = |case: String| {
            seen.insert(case);
        };
        for chassis in of(&parsed, "chassis") {
            see(format!("chassis tunnel_type {}", chassis.get("tunnel_type").map_or("absent".to_owned(), Value::to_string)));
        }
        for switch in of(&parsed, "lswitch") {
            let subnets = switch["subnets"].as_array().unwrap().len();
            see(format!("lswitch subnets {}", subnets.min(2)));
            see(format!("lswitch {} external {}", switch["network_type"], switch["is_external"]));
        }
        for port in of(&parsed, "lport") {
            let binding = match (&port["chassis"], &port["remote_vtep"]) {
                (Value::String(vtep), Value::Bool(true)) => {
                    assert!(vtep.parse::<std::net::Ipv4Addr>().is_ok(), "a remote VTEP's chassis is its address");
                    "vtep"
                }
                (Value::String(_), Value::Bool(false)) => "chassis",
                (Value::Null, Value::Bool(false)) => "unbound",
                other => panic!("{other:?}"),
            };
            see(format!("lport {binding}"));
            let options = match port.get("extra_dhcp_options") {
                None => "absent".to_owned(),
                Some(Value::Null) => "null".to_owned(),
                Some(Value::Array(list)) if list.is_empty() => "[]".to_owned(),
                Some(Value::Array(list)) => {
                    let tags: BTreeSet<i64> = list.iter().map(|o| o["tag"].as_i64().unwrap()).collect();
                    if tags.len() < list.len() { "repeated tag" } else { "several" }.to_owned()
                }
                Some(other) => panic!("{other}"),
            };
            see(format!("lport extra_dhcp_options {options}"));
        }
        for group in of(&parsed, "secgroup") {
            for rule in group["rules"].as_array().unwrap() {
                see(format!("rule protocol {}", rule["protocol"]));
            }
        }
        for router in of(&parsed, "lrouter") {
            see(format!("lrouter ports {}", router["ports"].as_array().unwrap().len().min(1)));
            see(format!("lrouter routes {}", router["routes"].as_array().unwrap().len().min(1)));
        }
        for fip in of(&parsed, "floatingip") {
            see(format!("floatingip name {}", if fip["name"].is_null() { "null" } else { "set" }));
            see(format!("floatingip associated {}", !fip["lport"].is_null()));
        }
        for port in of(&parsed, "ovs_port") {
            let kind = port["type"].as_str().unwrap();
            assert_eq!(port["iface_id"].is_string(), kind == "vm", "{port}");
            see(format!("ovs_port {kind}"));
        }
        let mut expected = vec![
            "chassis tunnel_type \"vxlan\"",
            "chassis tunnel_type \"geneve\"",
            "chassis tunnel_type null",
            "chassis tunnel_type absent",
            "lswitch subnets 0",
            "lswitch subnets 1",
            "lswitch subnets 2",
            "lswitch \"vxlan\" external false",
            "lswitch \"vlan\" external false",
            "lswitch \"flat\" external true",
            "lport chassis",
            "lport vtep",
            "lport unbound",
            "lport extra_dhcp_options absent",
            "lport extra_dhcp_options null",
            "lport extra_dhcp_options []",
            "lport extra_dhcp_options several",
            "lport extra_dhcp_options repeated tag",
            "rule protocol \"tcp\"",
            "rule protocol \"udp\"",
            "rule protocol \"icmp\"",
            "rule protocol \"icmpv6\"",
            "rule protocol \"6\"",
            "rule protocol \"17\"",
            "rule protocol \"58\"",
            "rule protocol \"132\"",
            "rule protocol null",
            "lrouter ports 1",
            "floatingip name null",
            "floatingip name set",
            "floatingip associated true",
            "floatingip associated false",
            "ovs_port vm",
            "ovs_port tunnel",
            "ovs_port bridge",
            "ovs_port patch",
        ];
        if n >= 10_000 {
            expected.extend(["lswitch \"vlan\" external true", "lrouter ports 0", "lrouter routes 1"]);
        }
        let missing: Vec<&str> = expected.into_iter().filter(|case| !seen.contains(*case)).collect();
        assert!(missing.is_empty(), "n={n} seed={seed}: missing {missing:?}; seen {seen:#?}");
    }
}

/// The mix and the sizes, as documented on `generate` (`--nocapture` prints them).
#[test]
fn the_mix_is_as_documented() {
    let n = 10_000;
    let store = generate(n, 1);
    let mut tables: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (key, bytes) in &store {
        let entry = tables.entry(key[1..key.find('.').unwrap()].to_owned()).or_default();
        entry.0 += 1;
        entry.1 += key.len() + bytes.len();
    }
    let objects: usize = tables.iter().filter(|(t, _)| *t != "unique_key").map(|(_, (c, _))| c).sum();
    let bytes: usize = tables.iter().filter(|(t, _)| *t != "unique_key").map(|(_, (_, b))| b).sum();
    for (table, (count, size)) in &tables {
        println!("{table:>12}: {count:>6} ({:>5.1} %), {:>5} bytes on average", 100.0 * *count as f64 / objects as f64, size / count);
    }
    println!("{objects} objects, {} bytes on average, {bytes} bytes in all", bytes / objects);
    let share = |table: &str| tables[table].0 as f64 / objects as f64;
    for (table, expected) in [
        ("lport", 0.45),
        ("ovs_port", 0.25),
        ("secgroup", 0.08),
        ("floatingip", 0.08),
        ("lswitch", 0.06),
        ("chassis", 0.04),
        ("lrouter", 0.03),
        ("publisher", 0.01),
    ] {
        assert!((share(table) - expected).abs() < 0.01, "{table}: {:.3}", share(table));
    }
    let average = bytes / objects;
    assert!((400..800).contains(&average), "{average} bytes");
    // About N/50 tenants, plus the admin topic.
    let parsed = parsed(&store);
    let topics: BTreeSet<&str> = parsed.objects.iter().map(|o| o.1.as_str()).filter(|t| !t.is_empty()).collect();
    assert_eq!(topics.len(), n / 50 + 1);
}

#[test]
fn the_engine_upgrades_a_generated_deployment_to_5_0() {
    let generated = generate(5_000, 7);
    let parsed = parsed(&generated);
    let count = |table: &str| of(&parsed, table).count();
    let subnets: usize = of(&parsed, "lswitch").map(|s| s["subnets"].as_array().unwrap().len()).sum();
    assert!(subnets > count("lswitch"));

    let mut store = MemoryStore::new();
    let ops: Vec<Op> = generated.into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    store.write(&ops).unwrap();
    let options = UpgradeOptions { applied_at: Some(APPLIED_AT.to_owned()), init: true, ..UpgradeOptions::default() };
    // Every object is checked against its 2.0 shape, not a sample.
    Engine::new(&mut store, Build::linked().unwrap()).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::MAX, Some(APPLIED_AT), false).unwrap();
    // The engine validates every object as its head model before it commits.
    let report = Engine::new(&mut store, Build::linked().unwrap()).upgrade(&options, &mut |_| {}).unwrap();
    assert!(report.committed);
    assert_eq!(report.objects_read, parsed.objects.len());
    assert_eq!(report.tables["lsubnet"].created, subnets);
    assert_eq!(report.tables["lport"].changed, count("lport"));
    assert_eq!(report.tables["secgroup"].changed, count("secgroup"));
    assert_eq!(report.tables["chassis"].changed, count("chassis"));
    assert_eq!(report.tables["ovs_port"].deleted, count("ovs_port"));
    assert_eq!(report.tables["switch_port"].created, count("ovs_port"));
    assert_eq!(report.tables["publisher"].unchanged, count("publisher"));
    assert_eq!(Engine::new(&mut store, Build::linked().unwrap()).verify(&mut |_| {}).unwrap(), Vec::<df_migrations::Diagnostic>::new());

    // Each subnet is in its switch's topic; the counters continue where 2.0 left them.
    let after: BTreeMap<String, Vec<u8>> = store.dump();
    let topic_of: BTreeMap<&str, &str> = parsed.objects.iter().filter(|o| o.0 == "lswitch").map(|o| (o.2.as_str(), o.1.as_str())).collect();
    let mut lsubnets = 0;
    for (key, bytes) in &after {
        let Ok(StoredKey::Live(Key::Object { table, topic, id })) = parse(key.as_bytes()) else { continue };
        assert_ne!(table, "ovs_port", "{key}");
        if table == "lsubnet" {
            let subnet: Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(topic_of[subnet["lswitch"].as_str().unwrap()], topic, "lsubnet {id}");
            lsubnets += 1;
        }
    }
    assert_eq!(lsubnets, subnets);
    let counter = |table: &str| -> i64 { String::from_utf8(after[&format!("{{unique_key.}}{table}")].clone()).unwrap().parse().unwrap() };
    assert_eq!(counter("lswitch"), i64::try_from(count("lswitch")).unwrap());
    assert_eq!(counter("secgroup"), parsed.counters["secgroup"] + i64::try_from(count("secgroup")).unwrap());
    assert_eq!(counter("lrouter"), parsed.counters["lrouter"]);
}
