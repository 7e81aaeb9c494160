//! No panic is reachable from stored data or files: hostile values in a database (a lone
//! surrogate escape, a number past f64, nesting far past `serde_json`'s limit, invalid UTF-8,
//! not JSON, a negative counter) and arbitrary bytes as keys and as export files are
//! clear errors, and an upgrade that refuses writes nothing. Properties run with proptest
//! on the pinned toolchain; the named cases are the ones reported.

mod common;

use common::{engine, options, seed};
use df_migrations::store::MemoryStore;
use df_migrations::{layout, transfer, BaselineAt, EngineError, UpgradeOptions};
use proptest::prelude::*;
use std::num::NonZeroUsize;

fn baselined() -> MemoryStore {
    let mut store = MemoryStore::new();
    seed(&mut store);
    engine(&mut store).baseline(&BaselineAt::release("2.0"), NonZeroUsize::new(100).unwrap(), None, false).unwrap();
    store
}

/// Stores `value` at `key` in a baselined database, upgrades (dry and real), and checks
/// that each refuses or succeeds without a panic, and that a refusal wrote nothing.
fn upgrade_with(key: &str, value: &[u8]) -> Option<EngineError> {
    let mut store = baselined();
    store.insert(key, value.to_vec());
    let before = store.dump();
    let dry = engine(&mut store).upgrade(&UpgradeOptions { dry_run: true, ..options() }, &mut |_| {});
    let verify = engine(&mut store).verify(&mut |_| {});
    assert!(dry.is_err() || verify.is_ok(), "{key}: a dry run passed what verify cannot read");
    let result = engine(&mut store).upgrade(&UpgradeOptions { init: false, ..options() }, &mut |_| {});
    match result {
        Ok(_) => None,
        Err(error) => {
            assert_eq!(store.dump(), before, "{key}: the refused upgrade wrote");
            assert!(df_migrations::store::Store::lease(&mut store).unwrap().is_none(), "{key}: the lease was left held");
            Some(error)
        }
    }
}

#[test]
fn the_reported_hostile_values_are_refused_naming_the_key() {
    let deep = format!(r#"{{"id":"deep","ip":"192.0.2.1","x":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
    for (key, value) in [
        ("{chassis.}lone", br#"{"id":"lone","ip":"\ud800"}"#.to_vec()),
        ("{chassis.}big", br#"{"id":"big","ip":1e400}"#.to_vec()),
        ("{chassis.}deep", deep.into_bytes()),
        ("{chassis.}bytes", b"{\"id\":\"bytes\",\"ip\":\"\xff\"}".to_vec()),
        ("{chassis.}array", b"[1,2]".to_vec()),
        ("{unique_key.}lport", b"-5".to_vec()),
        // Not the engine's staged value (which names `c1`): the user's, refused, not deleted.
        ("{chassis.}~df-stage~c0ffee~c1", b"not json".to_vec()),
    ] {
        let error = upgrade_with(key, &value).unwrap_or_else(|| panic!("{key}: hostile data was upgraded"));
        assert!(error.to_string().contains(key), "{key}: the error does not name the key: {error}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_value_of_an_object_key_is_upgraded_or_refused(value in prop::collection::vec(any::<u8>(), 0..64)) {
        upgrade_with("{chassis.}fuzzed", &value);
    }

    #[test]
    fn any_json_text_of_an_object_key_is_upgraded_or_refused(value in r#"\{("[a-z_]{1,8}":(null|true|-?[0-9]{1,25}(\.[0-9]+)?(e[+-]?[0-9]{1,4})?|"[^"\\]{0,8}"|\[\]|\{\}),?){0,4}\}"#) {
        upgrade_with("{chassis.}fuzzed", value.as_bytes());
    }

    #[test]
    fn any_key_bytes_parse_or_are_refused(key in prop::collection::vec(any::<u8>(), 0..48)) {
        if let Ok(layout::StoredKey::Live(parsed)) = layout::parse(&key) {
            // What parses as a live key is stored back as the same bytes.
            let encoded = parsed.encode();
            prop_assert_eq!(encoded.as_bytes(), &key[..]);
        }
    }

    #[test]
    fn any_export_text_reads_or_is_refused(lines in prop::collection::vec(r#"\{"(key|value|hex|end|digest|df-schema-export)":("[0-9a-f]{0,6}"|[0-9]{1,3})\}"#, 0..6)) {
        let text = lines.join("\n");
        let _ = transfer::read_export(&mut text.as_bytes());
    }
}

/// Dragonflow's keys leave no part that its ids cannot reach, so a port's id may begin as
/// the engine's staging markers do: such ports are upgraded like their twins, survive any
/// recovery, and rollback restores them byte for byte.
#[test]
fn ports_whose_ids_look_like_the_engines_markers_are_upgraded_and_restored() {
    let mut store = baselined();
    let (twin_key, twin) = common::dump(&mut store).into_iter().find(|(key, _)| key.starts_with("{lport.")).unwrap();
    let (tag, twin_id) = twin_key.split_once('}').unwrap();
    let hostile: Vec<String> = ["~df-stage~", "~df-stage~c0ffee~", "~df-drop~c0ffee~"].iter().map(|marker| format!("{marker}{twin_id}")).collect();
    for (n, id) in hostile.iter().enumerate() {
        let mut port: serde_json::Value = serde_json::from_slice(&twin).unwrap();
        port["id"] = id.as_str().into();
        if port.get("unique_key").is_some() {
            port["unique_key"] = (90_000 + n).into();
        }
        store.insert(&format!("{tag}}}{id}"), serde_json::to_vec(&port).unwrap());
    }
    let before = common::dump(&mut store);
    let report = engine(&mut store).upgrade(&options(), &mut |_| {}).unwrap();
    assert!(report.committed);
    // Every key, as `common::objects` leaves out the engine's marker forms.
    let after = common::dump(&mut store);
    let upgraded = |id: &str| {
        let (_, value) = after.iter().find(|(key, _)| key.starts_with("{lport.") && key.ends_with(&format!("}}{id}")))?;
        serde_json::from_slice::<serde_json::Value>(value).ok()
    };
    let twin_after = upgraded(twin_id).expect("the twin was upgraded");
    for id in &hostile {
        let mut port = upgraded(id).unwrap_or_else(|| panic!("{id}: lost by the upgrade"));
        port["id"] = twin_id.into();
        for field in ["unique_key", "tunnel_key"] {
            if let Some(value) = twin_after.get(field) {
                port[field] = value.clone();
            }
        }
        assert_eq!(port, twin_after, "{id}: not upgraded as its twin was");
    }
    assert_eq!(engine(&mut store).verify(&mut |_| {}).unwrap(), Vec::<df_migrations::Diagnostic>::new());
    engine(&mut store).rollback(&df_migrations::RollbackOptions::default(), &mut |_| {}).unwrap();
    let restored = common::dump(&mut store);
    assert!(common::differing(&restored, &before).iter().all(|key| key.starts_with("{df_schema.}run/")), "rollback left a difference");
}
