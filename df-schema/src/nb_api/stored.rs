//! One stored object, kept as its JSON bytes and parsed only while a migration works on
//! it.
//!
//! Parsed JSON takes about four times the memory of its text (measured on Dragonflow's
//! objects: 232 MB of `serde_json::Map`s for 54.5 MB of JSON), so a snapshot of a whole
//! database cannot keep every object parsed within the engine's memory budget (3× the
//! data). An object read from a store stays as the bytes it was read as; `object()`
//! parses it on first use and keeps the parse until [`Stored::flush`], which
//! `update_each` calls after each object and the engine after each step. Flushing writes
//! new bytes only if the object changed, so an object no migration changed keeps exactly
//! the bytes it was stored with, whatever their member order.

use super::Object;
use std::sync::OnceLock;

/// An object with the topic it is stored under (`""` for models without a topic).
#[derive(Clone)]
pub struct Stored {
    topic: String,
    /// The object's JSON: as read from the store, or as last flushed. `None` only for an
    /// object a migration made that has not been flushed yet.
    bytes: Option<Box<[u8]>>,
    /// The parsed object, while in use.
    parsed: OnceLock<Object>,
    /// The parsed object may differ from `bytes` (it was handed out mutably).
    dirty: bool,
    /// `bytes` differ from what was read from the store.
    changed: bool,
}

impl Stored {
    /// An object made in memory, e.g. by a migration.
    pub fn new(topic: impl Into<String>, object: Object) -> Stored {
        Stored { topic: topic.into(), bytes: None, parsed: OnceLock::from(object), dirty: true, changed: true }
    }

    /// An object as read from a store. The caller has checked that `bytes` is one JSON
    /// object (the engine does as it reads); [`Stored::object`] panics otherwise.
    pub fn from_store(topic: impl Into<String>, bytes: Vec<u8>) -> Stored {
        Stored { topic: topic.into(), bytes: Some(bytes.into_boxed_slice()), parsed: OnceLock::new(), dirty: false, changed: false }
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The object, parsed on first use.
    pub fn object(&self) -> &Object {
        self.parsed.get_or_init(|| parse(self.bytes.as_deref().unwrap_or_default()))
    }

    /// The object, for changing it; [`Stored::flush`] writes the change back to bytes.
    pub fn object_mut(&mut self) -> &mut Object {
        self.object();
        self.dirty = true;
        self.parsed.get_mut().expect("parsed just above")
    }

    /// Replaces the object, keeping the topic (and the bytes read, to tell afterwards
    /// whether the object really changed).
    pub fn set_object(&mut self, object: Object) {
        self.parsed = OnceLock::from(object);
        self.dirty = true;
    }

    /// Writes a change back to bytes and drops the parsed object, freeing its memory.
    /// Bytes that stay equal, as JSON, to the bytes read are kept as they were.
    pub fn flush(&mut self) {
        let Some(object) = self.parsed.take() else { return };
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let mut new = Vec::with_capacity(self.bytes.as_ref().map_or(256, |old| old.len() + 64));
        serde_json::to_writer(&mut new, &object).expect("a JSON map always serializes");
        match &self.bytes {
            Some(old) if **old == *new => {}
            // Same members in another order, or other spacing: not a change.
            Some(old) if !self.changed && super::same_json::same(old, &object) => {}
            _ => {
                self.bytes = Some(new.into_boxed_slice());
                self.changed = true;
            }
        }
    }

    /// Whether the object differs from what was read from the store (after
    /// [`Stored::flush`]; an object made in memory always does).
    pub fn changed(&self) -> bool {
        self.changed || self.dirty
    }

    /// The object's JSON bytes, if it has no unflushed change.
    pub fn flushed_bytes(&self) -> Option<&[u8]> {
        if self.dirty {
            None
        } else {
            self.bytes.as_deref()
        }
    }

    /// The JSON bytes, flushing first, without copying them.
    pub fn into_bytes(mut self) -> Vec<u8> {
        self.flush();
        self.bytes.take().expect("a flushed object has bytes").into_vec()
    }
}

fn parse(bytes: &[u8]) -> Object {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("a stored object is not a JSON object ({e}); the engine checks this as it reads"))
}

/// Equal topics and equal objects, however each is held.
impl PartialEq for Stored {
    fn eq(&self, other: &Stored) -> bool {
        self.topic == other.topic && self.object() == other.object()
    }
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored").field("topic", &self.topic).field("object", self.object()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nb_api::tests::obj;
    use serde_json::json;

    #[test]
    fn an_object_no_one_changed_keeps_its_bytes() {
        let bytes = br#"{"name":"x", "id":"p1"}"#.to_vec();
        let mut stored = Stored::from_store("t", bytes.clone());
        assert_eq!(stored.object()["name"], "x");
        stored.flush();
        assert!(!stored.changed());
        // Handed out mutably but left equal (members in another order): still unchanged.
        stored.object_mut().insert("name".into(), json!("x"));
        stored.flush();
        assert_eq!(stored.flushed_bytes(), Some(bytes.as_slice()));
        assert!(!stored.changed());
    }

    #[test]
    fn a_change_is_flushed_to_compact_json() {
        let mut stored = Stored::from_store("t", br#"{"id": "p1"}"#.to_vec());
        stored.object_mut().insert("mtu".into(), json!(1450));
        assert!(stored.changed());
        assert_eq!(stored.flushed_bytes(), None, "not flushed yet");
        stored.flush();
        assert_eq!(stored.flushed_bytes(), Some(&br#"{"id":"p1","mtu":1450}"#[..]));
        assert!(stored.changed());
        assert_eq!(stored.clone().into_bytes(), br#"{"id":"p1","mtu":1450}"#);
        assert_eq!(stored.topic(), "t");
    }

    #[test]
    fn an_object_made_in_memory_is_a_change() {
        let mut stored = Stored::new("t", obj(json!({"id": "n1"})));
        assert!(stored.changed());
        stored.flush();
        assert_eq!(stored.flushed_bytes(), Some(&br#"{"id":"n1"}"#[..]));
        assert_eq!(stored, Stored::from_store("t", br#"{ "id" : "n1" }"#.to_vec()));
    }
}
