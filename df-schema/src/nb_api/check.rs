//! Checking that bytes read from a store are one JSON object whose `id` is the one its
//! key names, without building the object: a snapshot keeps objects as their bytes (see
//! [`Stored`](super::Stored)), so the check must not cost a full parse, and an object
//! that passed it always parses later.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// Why stored bytes are not the object their key names.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BadObject {
    /// The bytes are not one JSON value.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// One JSON value, but not an object: `null`, `a boolean`, `a number`, `a string` or
    /// `an array`.
    #[error("not a JSON object: it holds {0}")]
    NotAnObject(&'static str),
    /// An object whose `id` member is not the key's id; holds the member as JSON, or
    /// `absent`.
    #[error("not the object its key names: its `id` is {0}")]
    WrongId(String),
}

/// Checks that `bytes` are one JSON object (trailing text refused) whose `id` is the
/// string `id`.
pub(crate) fn object(id: &str, bytes: &[u8]) -> Result<(), BadObject> {
    match shape(bytes) {
        Ok(Shape::Object { id: Some(Value::String(inner)) }) if inner == id => Ok(()),
        Ok(Shape::Object { id: other }) => Err(BadObject::WrongId(other.map_or_else(|| "absent".to_owned(), |v| v.to_string()))),
        Ok(Shape::Other(kind)) => Err(BadObject::NotAnObject(kind)),
        Err(e) => Err(BadObject::NotJson(e.to_string())),
    }
}

/// What a value is, as far as the layout cares.
#[derive(Debug, PartialEq)]
enum Shape {
    /// An object, with its `id` member if it has one.
    Object { id: Option<Value> },
    /// Any other JSON value: `null`, `a boolean`, `a number`, `a string`, `an array`.
    Other(&'static str),
}

/// Reads `bytes` as one JSON value (trailing text refused) and says what it is.
fn shape(bytes: &[u8]) -> Result<Shape, serde_json::Error> {
    serde_json::from_slice(bytes)
}

impl<'de> de::Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other("null"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other("a string"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<Valid>()?.is_some() {}
        Ok(Shape::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut id = None;
        while let Some(is_id) = map.next_key::<IsId>()? {
            if is_id.0 {
                id = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<Valid>()?;
            }
        }
        Ok(Shape::Object { id })
    }
}

/// A value read in full and dropped: unlike serde's `IgnoredAny`, which `serde_json` skips
/// without decoding, every string is unescaped (a lone surrogate is refused), every number
/// must fit (`1e400` is refused) and nesting counts against `serde_json`'s depth limit, so
/// that what passes the check is exactly what parses later. Nothing is built.
struct Valid;

impl<'de> de::Deserialize<'de> for Valid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Valid, D::Error> {
        deserializer.deserialize_any(ValidVisitor)
    }
}

struct ValidVisitor;

impl<'de> Visitor<'de> for ValidVisitor {
    type Value = Valid;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_str<E>(self, _: &str) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Valid, A::Error> {
        while seq.next_element::<Valid>()?.is_some() {}
        Ok(Valid)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Valid, A::Error> {
        while map.next_entry::<Valid, Valid>()?.is_some() {}
        Ok(Valid)
    }
}

/// Whether a member name is `id` (escaped or not), without keeping the name.
struct IsId(bool);

impl<'de> de::Deserialize<'de> for IsId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IsId, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = IsId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E>(self, name: &str) -> Result<IsId, E> {
                Ok(IsId(name == "id"))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_give_their_id_and_other_values_their_kind() {
        assert_eq!(shape(br#"{"name":"x","id":"p1","n":[1,{"id":2}]}"#).unwrap(), Shape::Object { id: Some(json!("p1")) });
        assert_eq!(shape(br#"{"\u0069d": 5}"#).unwrap(), Shape::Object { id: Some(json!(5)) });
        assert_eq!(shape(b"{}").unwrap(), Shape::Object { id: None });
        for (bytes, kind) in [(&b"null"[..], "null"), (b"true", "a boolean"), (b"-1.5", "a number"), (b"\"s\"", "a string"), (b"[1,[2]]", "an array")] {
            assert_eq!(shape(bytes).unwrap(), Shape::Other(kind));
        }
    }

    #[test]
    fn an_object_must_be_the_one_its_key_names() {
        assert_eq!(object("p1", br#"{"id":"p1"}"#), Ok(()));
        assert_eq!(object("p1", br#"{"id":"p2"}"#), Err(BadObject::WrongId(r#""p2""#.to_owned())));
        assert_eq!(object("p1", br#"{"id":1}"#), Err(BadObject::WrongId("1".to_owned())));
        assert_eq!(object("p1", b"{}"), Err(BadObject::WrongId("absent".to_owned())));
        assert_eq!(object("p1", b"[]"), Err(BadObject::NotAnObject("an array")));
        assert!(matches!(object("p1", b"{"), Err(BadObject::NotJson(_))));
    }

    #[test]
    fn values_that_would_not_parse_later_are_refused_now() {
        let deep = format!(r#"{{"id":"p1","x":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        for bytes in [&br#"{"id":"p1","s":"\ud800"}"#[..], br#"{"id":"p1","n":1e400}"#, deep.as_bytes(), br#"{"id":"p1","m":{"\ud800":1}}"#] {
            assert!(matches!(object("p1", bytes), Err(BadObject::NotJson(_))), "{}", String::from_utf8_lossy(bytes));
            assert!(serde_json::from_slice::<serde_json::Map<String, Value>>(bytes).is_err(), "the full parse agrees");
        }
    }

    #[test]
    fn text_that_is_not_one_json_value_is_refused() {
        for bytes in [&b"{"[..], b"{\"id\":}", b"{} {}", b"", b"{'id': 1}"] {
            assert!(shape(bytes).is_err(), "{:?}", String::from_utf8_lossy(bytes));
        }
    }
}
