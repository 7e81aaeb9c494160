//! One stored object, kept as its JSON bytes and parsed only while a migration works on
//! it.
//!
//! Parsed JSON takes several times the memory of its text, so a snapshot of a whole
//! database cannot keep every object parsed within the engine's memory budget (a small
//! multiple of the data; see `BENCHMARKS.md`). An object read from a store stays as the bytes it was read as; `object()`
//! parses it on first use and keeps the parse until [`Stored::flush`], which
//! `update_each` calls after each object and the engine after each step. Flushing writes
//! new bytes only if the object changed, so an object no migration changed keeps exactly
//! the bytes it was stored with, whatever their member order.
//!
//! Migrations see a `Stored` only to read it; making, reading from a store and writing
//! back are the engine's (see `super::engine`).

use super::Object;
use std::sync::OnceLock;

/// An object with the topic it is stored under (`""` for models without a topic), as
/// [`NbApi::iter`](super::NbApi::iter) and [`NbApi::get_stored`](super::NbApi::get_stored)
/// show it.
#[derive(Clone)]
pub struct Stored {
    topic: String,
    /// The object's JSON: as read from the store (checked to be an object), or as last
    /// flushed. `None` only for an object a migration made that has not been flushed yet.
    pub(super) bytes: Option<Box<[u8]>>,
    /// The parsed object, while in use.
    parsed: OnceLock<Object>,
    /// The parsed object may differ from `bytes` (it was handed out mutably).
    pub(super) dirty: bool,
    /// `bytes` differ from what was read from the store.
    pub(super) changed: bool,
}

impl Stored {
    /// An object made in memory, e.g. by a migration.
    pub(crate) fn new(topic: impl Into<String>, object: Object) -> Stored {
        Stored { topic: topic.into(), bytes: None, parsed: OnceLock::from(object), dirty: true, changed: true }
    }

    /// An object as read from a store, whose bytes the caller checked to be one JSON
    /// object (see `EngineStored::from_store`).
    pub(super) fn read(topic: String, bytes: Vec<u8>) -> Stored {
        Stored { topic, bytes: Some(bytes.into_boxed_slice()), parsed: OnceLock::new(), dirty: false, changed: false }
    }

    /// The topic (partition) the object is stored under.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The object, parsed on first use.
    pub fn object(&self) -> &Object {
        self.parsed.get_or_init(|| parse(self.bytes.as_deref().unwrap_or_default()))
    }

    /// The object, for changing it; [`Stored::flush`] writes the change back to bytes.
    pub(crate) fn object_mut(&mut self) -> &mut Object {
        self.object();
        self.dirty = true;
        self.parsed.get_mut().expect("parsed just above")
    }

    /// Replaces the object, keeping the topic (and the bytes read, to tell afterwards
    /// whether the object really changed).
    pub(crate) fn set_object(&mut self, object: Object) {
        self.parsed = OnceLock::from(object);
        self.dirty = true;
    }

    /// Writes a change back to bytes and drops the parsed object, freeing its memory.
    /// Bytes that stay equal, as JSON, to the bytes read are kept as they were.
    pub(crate) fn flush(&mut self) {
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
}

/// Parses bytes that are an object: made by serializing one, or checked when read.
fn parse(bytes: &[u8]) -> Object {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("df-schema: an object checked as it was read does not parse: {e}"))
}

/// Equal topics and equal objects, however each is held.
impl PartialEq for Stored {
    fn eq(&self, other: &Stored) -> bool {
        self.topic == other.topic && self.object() == other.object()
    }
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // How the object is held (bytes, parse, flags) is not what a reader debugs.
        f.debug_struct("Stored").field("topic", &self.topic).field("object", self.object()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nb_api::engine::EngineStored;
    use crate::nb_api::tests::obj;
    use serde_json::json;

    #[test]
    fn an_object_no_one_changed_keeps_its_bytes() {
        let bytes = br#"{"name":"x", "id":"p1"}"#.to_vec();
        let mut stored = Stored::from_store("t", "p1", bytes.clone()).unwrap();
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
        let mut stored = Stored::from_store("t", "p1", br#"{"id": "p1"}"#.to_vec()).unwrap();
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
        assert_eq!(stored, Stored::from_store("t", "n1", br#"{ "id" : "n1" }"#.to_vec()).unwrap());
    }

    #[test]
    fn bytes_that_are_not_the_keys_object_are_refused_as_read() {
        use crate::nb_api::check::BadObject;
        assert_eq!(Stored::from_store("t", "n1", b"[1]".to_vec()).unwrap_err(), BadObject::NotAnObject("an array"));
        assert_eq!(Stored::from_store("t", "n1", br#"{"id":"n2"}"#.to_vec()).unwrap_err(), BadObject::WrongId(r#""n2""#.to_owned()));
    }
}
