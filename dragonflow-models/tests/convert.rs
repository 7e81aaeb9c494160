//! Reading across versions on Dragonflow's real models: every object of the 2.0 fixture
//! database, converted alone in memory to its model's head version, is exactly the object
//! the engine's whole upgrade stores in the 5.0 fixture, or is refused, naming the
//! whole-database migration on its way. Writing down: a 5.0 object written for the
//! version before an automatic step reads back as itself.

use df_schema::convert::{self, ConvertError};
use df_schema::registry::{self, ModelEntry};
use df_schema::Object;
use dragonflow_fixtures as fixtures;
use dragonflow_models::{LogicalPort, LogicalSwitch};
use serde_json::Value;

/// The model stored in `table` at release 2.0, and its version there.
fn at_2_0(table: &str) -> (&'static ModelEntry, u32) {
    let found = registry::models().into_iter().find_map(|model| {
        let history = (model.history)();
        let (version, record) = history.versions.iter().rev().find(|(_, v)| v.schema.release.as_deref() <= Some("2.0"))?;
        (record.schema.table == table).then_some((model, *version))
    });
    found.unwrap_or_else(|| panic!("no model stores table `{table}` at 2.0"))
}

/// The objects of a fixture by store key.
fn objects(fixture: &Value) -> impl Iterator<Item = (&String, &Object)> {
    fixture.as_object().unwrap().iter().map(|(key, object)| (key, object.as_object().unwrap()))
}

#[test]
fn every_2_0_object_reads_as_its_head_version_as_the_engine_upgrades_it() {
    let (old, new) = (fixtures::release_2_0_objects(), fixtures::release_5_0_objects());
    let (mut converted, mut refused) = (0, Vec::new());
    for (key, object) in objects(&old) {
        let table = key.trim_start_matches('{').split(['.', '}']).next().unwrap();
        let (model, version) = at_2_0(table);
        let id = object["id"].as_str().unwrap();
        let mut object = object.clone();
        match convert::upgrade(model.name, (model.history)(), (version, model.version), id, &mut object) {
            Ok(()) => {
                assert_eq!(new[key].as_object(), Some(&object), "{key}: the replay, then what the engine's upgrade stored");
                (model.decode)(Value::Object(object).to_string().as_bytes()).unwrap_or_else(|e| panic!("{key}: {e}"));
                converted += 1;
            }
            Err(ConvertError::WholeDatabase { model: name, migration, .. }) => {
                assert_eq!(name, model.name);
                refused.push(migration);
            }
            Err(other) => panic!("{key}: {other}"),
        }
    }
    refused.sort();
    refused.dedup();
    // Ports, chassis and floating IPs go through per-object migrations and automatic
    // steps alone; switches, security groups and OVS ports through a whole-database one.
    assert!(converted >= 5, "{converted} objects converted");
    assert_eq!(refused, ["lswitch-v2-unique-key", "secgroup-v2-unique-key", "switch-port-v2-from-ovs-port"]);
}

#[test]
fn head_objects_written_for_the_version_before_an_automatic_step_read_back_as_themselves() {
    let new = fixtures::release_5_0_objects();
    let ports: Vec<LogicalPort> = objects(&new).filter(|(key, _)| key.starts_with("{lport.")).map(|(_, o)| serde_json::from_value(Value::Object(o.clone())).unwrap()).collect();
    assert!(!ports.is_empty());
    for port in &ports {
        let v4 = convert::encode_at(port, 4).unwrap();
        let v4_object: Object = serde_json::from_slice(&v4).unwrap();
        assert!(!v4_object.contains_key("binding_vnic_type"), "v4 has no binding_vnic_type: {v4_object:?}");
        assert_eq!(&convert::decode_at::<LogicalPort>(&v4, 4).unwrap(), port, "down to v4 and back up");
        let error = convert::encode_at(port, 3).unwrap_err();
        assert!(matches!(&error, ConvertError::NoWayDown { to: 4, migration, .. } if migration == "lport-v4-dhcp-params"), "{error}");
    }
    for (key, object) in objects(&new).filter(|(key, _)| key.starts_with("{lswitch.")) {
        let switch: LogicalSwitch = serde_json::from_value(Value::Object(object.clone())).unwrap();
        let v3 = convert::encode_at(&switch, 3).unwrap();
        assert_eq!(convert::decode_at::<LogicalSwitch>(&v3, 3).unwrap(), switch, "{key}");
        let error = convert::encode_at(&switch, 2).unwrap_err();
        assert!(error.to_string().contains("`lswitch-v3-lsubnet`, which takes the whole database"), "{error}");
    }
}

#[test]
fn a_version_the_lock_does_not_record_is_refused_with_the_recorded_range() {
    let error = convert::decode_at::<LogicalPort>(br#"{"id":"p"}"#, 9).unwrap_err();
    assert_eq!(error.to_string(), "LogicalPort has no recorded version 9: this build records v1 to v5");
    let error = convert::decode_at::<LogicalPort>(b"[1]", 5).unwrap_err();
    assert!(matches!(error, ConvertError::Json { version: 5, .. }), "{error}");
}
