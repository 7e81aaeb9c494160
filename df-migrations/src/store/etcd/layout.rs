//! Dragonflow's etcd layout: an object at `/<table>/<id>`, its topic only inside its JSON;
//! a table's unique-key counter at `/unique_key/<table>` as a decimal string (Dragonflow's
//! `etcd_nb_db_driver`). The engine works on keys in Dragonflow's Redis forms
//! (`{table.topic}id`, see `crate::layout`); this module maps them to etcd keys and back,
//! so that a real Dragonflow etcd database is read and upgraded in place.
//!
//! Back from etcd, an object's topic comes from its value's `topic` (none if it has none).
//! The engine's own records, `{df_schema.<n>}rest`, keep their topic (an image chunk's
//! number) as a path segment: `/df_schema/<n>/rest`. A drop mark is empty, so it comes
//! back without a topic; what it marks is deleted by its etcd key, which has none either.
//! Keys in any other form (an application layout's, under its namespace) are etcd keys as
//! they are.

use crate::layout::ENGINE_TABLE;

/// The etcd key of the engine's key `key`.
pub fn to_etcd(key: &str) -> String {
    let Some((table, topic, rest)) = hash_tagged(key) else { return key.to_owned() };
    if table == ENGINE_TABLE && !topic.is_empty() {
        format!("/{table}/{topic}/{rest}")
    } else {
        format!("/{table}/{rest}")
    }
}

/// The engine's key of the etcd key `key` holding `value`, where `key` is in Dragonflow's
/// etcd layout (`/<table>/<rest>`); `None` where it is not.
pub fn from_etcd(key: &str, value: &[u8]) -> Option<String> {
    let (table, rest) = key.strip_prefix('/')?.split_once('/')?;
    if table.is_empty() || table.contains(['{', '}', '.']) {
        return None;
    }
    if table == ENGINE_TABLE {
        if let Some((number, record)) = rest.split_once('/').filter(|(n, r)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && r.starts_with('~')) {
            return Some(format!("{{{table}.{number}}}{record}"));
        }
        return Some(format!("{{{table}.}}{rest}"));
    }
    Some(format!("{{{table}.{}}}{rest}", topic(value).unwrap_or_default()))
}

/// `(table, topic, rest)` of a key that starts with a hash tag `{table.topic}`.
fn hash_tagged(key: &str) -> Option<(&str, &str, &str)> {
    let (tag, rest) = key.strip_prefix('{')?.split_once('}')?;
    let (table, topic) = tag.split_once('.')?;
    Some((table, topic, rest))
}

/// The `topic` of a JSON object, if it is one and has a string topic.
fn topic(value: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Topic {
        topic: Option<String>,
    }
    serde_json::from_slice::<Topic>(value).ok()?.topic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_counters_and_records_map_to_dragonflows_etcd_keys_and_back() {
        let port = br#"{"id":"p1","topic":"t1","name":"a"}"#;
        for (key, etcd, value) in [
            ("{lport.t1}p1", "/lport/p1", &port[..]),
            ("{chassis.}c1", "/chassis/c1", br#"{"id":"c1"}"#),
            ("{unique_key.}lport", "/unique_key/lport", b"7"),
            ("{schema_migration.}lport-v2", "/schema_migration/lport-v2", br#"{"id":"lport-v2"}"#),
            ("{df_schema.}state", "/df_schema/state", b"{}"),
            ("{df_schema.}run/0000000002", "/df_schema/run/0000000002", b"{}"),
            ("{df_schema.12}~df-image~c0ffee", "/df_schema/12/~df-image~c0ffee", b"df-image 2\n"),
            ("{df_schema.3}~df-drop~beef~~df-image~c0ffee", "/df_schema/3/~df-drop~beef~~df-image~c0ffee", b""),
            ("{lport.t1}~df-stage~beef~p1", "/lport/~df-stage~beef~p1", &port[..]),
            ("{lport.}~df-drop~beef~p1", "/lport/~df-drop~beef~p1", b""),
        ] {
            assert_eq!(to_etcd(key), etcd, "{key}");
            assert_eq!(from_etcd(etcd, value).as_deref(), Some(key), "{etcd}");
        }
    }

    #[test]
    fn a_drop_mark_deletes_the_key_whatever_its_topic() {
        assert_eq!(to_etcd("{lport.t1}~df-drop~beef~p1"), "/lport/~df-drop~beef~p1");
        assert_eq!(to_etcd("{lport.}p1"), to_etcd("{lport.t1}p1"));
    }

    #[test]
    fn other_keys_are_kept_as_they_are() {
        assert_eq!(to_etcd("iot:{sensor.}s1"), "iot:{sensor.}s1");
        assert_eq!(from_etcd("iot:{sensor.}s1", b"{}"), None);
        assert_eq!(from_etcd("/lport", b"{}"), None);
        assert_eq!(from_etcd("//p1", b"{}"), None);
        assert_eq!(from_etcd("/a.b/p1", b"{}"), None);
        // A topic that is not a string is no topic; the engine then checks the object.
        assert_eq!(from_etcd("/lport/p1", br#"{"topic":5}"#).as_deref(), Some("{lport.}p1"));
        assert_eq!(from_etcd("/lport/p1", b"not json").as_deref(), Some("{lport.}p1"));
        // A record whose first segment is a number but not a marked key keeps it in its id.
        assert_eq!(from_etcd("/df_schema/12/x", b"").as_deref(), Some("{df_schema.}12/x"));
    }
}
