//! The fleet gate on Dragonflow's models: a live host's heartbeat record stops `plan` and
//! `upgrade` from running a step the host could not survive, names it, and is listed by
//! `status`; a lapsed record, or a host whose models the steps leave readable, does not.

mod common;

use common::{engine, options, seed, APPLIED_AT};
use df_migrations::fleet::host_key;
use df_migrations::store::{MemoryStore, Op, Store};
use df_migrations::{EngineError, UpgradeOptions};

fn baselined() -> MemoryStore {
    let mut store = MemoryStore::new();
    seed(&mut store);
    engine(&mut store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), Some(APPLIED_AT), false).unwrap();
    store
}

/// Writes host `name`'s record as its heartbeat does, live for a minute (or lapsed a
/// minute ago), reading `models` at the given versions.
fn register(store: &mut MemoryStore, name: &str, models: &[(&str, u32)], live: bool) {
    let now = chrono::Utc::now();
    let expires = if live { now + chrono::Duration::minutes(1) } else { now - chrono::Duration::minutes(1) };
    let models: serde_json::Map<String, serde_json::Value> = models.iter().map(|(m, v)| ((*m).to_owned(), (*v).into())).collect();
    let record = serde_json::json!({"host": name, "models": models, "heartbeat_at": now.to_rfc3339(), "expires_at": expires.to_rfc3339()});
    store.write(&[Op::Set(host_key(name).encode(), record.to_string().into_bytes())]).unwrap();
}

#[test]
fn a_live_host_at_2_0_stops_the_upgrade_naming_itself_and_what_it_cannot_read() {
    let mut store = baselined();
    register(&mut store, "compute-1", &[("Chassis", 1), ("LogicalPort", 1), ("LogicalSwitch", 1)], true);
    let before = store.dump();

    let refused = engine(&mut store).plan(None).unwrap_err();
    let EngineError::LiveHosts { listed, count, key, .. } = &refused else { panic!("{refused}") };
    assert_eq!(key, &host_key("compute-1").encode());
    assert!(*count >= 4, "{refused}");
    assert!(
        listed[0].starts_with("host `compute-1` runs LogicalPort v1, and step `lport-v2-unique-key` takes it to v2: v2 objects lack field `tunnel_key`"),
        "{refused}"
    );
    assert!(refused.to_string().contains("Stop those hosts, or give them code that reads the new objects"), "{refused}");

    let upgrade = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap_err();
    assert!(matches!(upgrade, EngineError::LiveHosts { .. }), "{upgrade}");
    assert_eq!(store.dump(), before, "a refused upgrade writes nothing");

    let hosts = engine(&mut store).live_hosts().unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!((hosts[0].host.as_str(), hosts[0].models["LogicalPort"]), ("compute-1", 1));
    assert_eq!(engine(&mut store).status().unwrap().pending.len(), 16, "status still shows the plan");
}

#[test]
fn lapsed_records_do_not_count_and_a_host_outside_the_changed_models_does_not_block() {
    let mut store = baselined();
    register(&mut store, "compute-1", &[("LogicalPort", 1)], false);
    register(&mut store, "publisher-1", &[("Publisher", 1), ("LogicalRouter", 1)], true);
    assert_eq!(engine(&mut store).plan(None).unwrap().steps.len(), 16);
    let hosts = engine(&mut store).live_hosts().unwrap();
    assert_eq!(hosts.iter().map(|h| h.host.as_str()).collect::<Vec<_>>(), ["publisher-1"], "only live hosts are listed");
    let report = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    assert!(report.committed);
}

#[test]
fn a_host_at_4_0_survives_5_0_s_rolling_step_of_its_model_and_not_the_offline_ones() {
    let mut store = baselined();
    let to_4_0 = UpgradeOptions { to_release: Some("4.0".into()), ..options() };
    engine(&mut store).upgrade(&to_4_0, &mut |_| {}).unwrap();
    register(&mut store, "port-agent", &[("LogicalPort", 4)], true);
    let plan = engine(&mut store).plan(None).unwrap();
    assert!(plan.steps.iter().any(|s| s.id == "auto/LogicalPort/v5"), "v4 code ignores `binding_vnic_type`, which has a default");

    register(&mut store, "switch-agent", &[("LogicalSwitch", 2)], true);
    let refused = engine(&mut store).plan(None).unwrap_err();
    let EngineError::LiveHosts { listed, .. } = &refused else { panic!("{refused}") };
    assert_eq!(
        listed,
        &[
            "host `switch-agent` runs LogicalSwitch v2, and step `lswitch-v3-lsubnet` takes it to v3: v3 objects lack field `subnets`, which v2 requires and has no default for; migration `lswitch-v3-lsubnet` takes the whole database and may change any object of any table",
            "host `switch-agent` runs LogicalSwitch v2, and step `auto/LogicalSwitch/v4` takes it to v4: v4 objects lack field `subnets`, which v2 requires and has no default for",
        ],
        "every step the host cannot read past, the automatic one after too"
    );
}
