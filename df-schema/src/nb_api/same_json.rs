//! Whether JSON text means a given object, decided while reading the text, without
//! building it.
//!
//! Telling whether a migration really changed an object whose stored text is not what
//! `serde_json` would write (other member order, other spacing) means comparing that text
//! with the object as JSON values. Parsing the text into a map for `==` allocates every
//! key and value and was a tenth of an upgrade's time; walking it against the object
//! allocates nothing but escaped strings and stops at the first difference.

use super::Object;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::fmt;

/// Whether `text` parses to exactly `object` (as `serde_json::from_slice::<Object>(text)
/// == object` would say, members in any order).
pub(super) fn same(text: &[u8], object: &Object) -> bool {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    // Any error, the first difference included, means "not the same".
    Same(Expected::Object(object)).deserialize(&mut deserializer).is_ok() && deserializer.end().is_ok()
}

/// What the text must hold.
#[derive(Clone, Copy)]
enum Expected<'a> {
    Object(&'a Object),
    Value(&'a Value),
}

/// Reads one JSON value, failing at the first difference from what is expected.
struct Same<'a>(Expected<'a>);

fn differs<E: de::Error>() -> E {
    E::custom("differs")
}

impl<'de> DeserializeSeed<'de> for Same<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Same<'_> {
    fn scalar<E: de::Error>(self, equal: impl FnOnce(&Value) -> bool) -> Result<(), E> {
        match self.0 {
            Expected::Value(value) if equal(value) => Ok(()),
            _ => Err(differs()),
        }
    }

    fn number<E: de::Error>(self, number: Option<Number>) -> Result<(), E> {
        self.scalar(|value| matches!((value, number), (Value::Number(a), Some(b)) if *a == b))
    }
}

impl<'de> Visitor<'de> for Same<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(Value::is_null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(|value| value.as_bool() == Some(v))
    }

    // As `serde_json` parses numbers into a `Value`: the same `Number` for the same text.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(Some(Number::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(Some(Number::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.number(Number::from_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.scalar(|value| value.as_str() == Some(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Expected::Value(Value::Array(items)) = self.0 else { return Err(differs()) };
        for item in items {
            seq.next_element_seed(Same(Expected::Value(item)))?.ok_or_else(differs)?;
        }
        // A longer array differs (and an element left unread fails the parse).
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(differs()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let members = match self.0 {
            Expected::Object(object) | Expected::Value(Value::Object(object)) => object,
            Expected::Value(_) => return Err(differs()),
        };
        let mut seen = 0;
        while let Some(name) = map.next_key_seed(Name)? {
            let value = members.get(name.as_ref()).ok_or_else(differs)?;
            map.next_value_seed(Same(Expected::Value(value)))?;
            seen += 1;
        }
        // Every member read matched one of the object's; as many means the same set. A
        // name twice in the text counts twice and so differs, where a parse would keep the
        // last: such an object is written again, once, in the form `serde_json` writes.
        if seen == members.len() {
            Ok(())
        } else {
            Err(differs())
        }
    }
}

/// A member name, borrowed from the text unless it has escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Object {
        serde_json::from_str(text).unwrap()
    }

    /// `same` says what parsing and `==` say, for every pair of these texts.
    #[test]
    fn agrees_with_parsing_and_comparing() {
        let texts = [
            r#"{"id":"p1","mtu":1450,"tags":["a","b"],"nested":{"x":null,"y":true}}"#,
            r#"{ "nested" : { "y" : true, "x" : null }, "tags" : [ "a", "b" ], "mtu" : 1450, "id" : "p1" }"#,
            r#"{"id":"p1","mtu":1450,"tags":["a","b"],"nested":{"x":null,"y":false}}"#,
            r#"{"id":"p1","mtu":1450,"tags":["b","a"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":1450,"tags":["a","b","c"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":1450,"tags":["a"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":1450.0,"tags":["a","b"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":-1450,"tags":["a","b"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":1450,"tags":["a","b"],"nested":{"x":null}}"#,
            r#"{"id":"p1","mtu":1450,"tags":["a","b"],"nested":{"x":null,"y":true},"extra":1}"#,
            r#"{"id":"p1","tags":["a","b"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":"1450","tags":["a","b"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":1450,"tags":{"a":"b"},"nested":{"x":null,"y":true}}"#,
            r#"{"\u0069d":"p\u0031","mtu":1450,"tags":["a","b"],"nested":{"x":null,"y":true}}"#,
            r#"{"id":"p1","mtu":1.5e3,"tags":["a","b"],"nested":{"x":[],"y":{}}}"#,
            r#"{"id":"p1","mtu":1500,"tags":["a","b"],"nested":{"x":[],"y":{}}}"#,
            r"{}",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same(a.as_bytes(), &parse(b)), parse(a) == parse(b), "{a} against {b}");
            }
        }
    }

    #[test]
    fn a_member_named_twice_differs() {
        let text = br#"{"id":"p1","id":"p1"}"#;
        assert!(!same(text, &serde_json::from_slice(text).unwrap()));
    }

    #[test]
    fn text_that_is_not_one_object_differs() {
        let object = parse(r#"{"id":"p1"}"#);
        assert!(same(br#"{"id":"p1"}"#, &object));
        for text in [&br#"{"id":"p1"} {}"#[..], br#"{"id":"p1""#, br#"["id"]"#, b"null", b""] {
            assert!(!same(text, &object), "{}", String::from_utf8_lossy(text));
        }
    }
}
