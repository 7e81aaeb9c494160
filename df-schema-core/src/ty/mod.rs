//! Normalized field types.
//!
//! A model's Rust field types are reduced to a handful of JSON shapes so that two spellings
//! of the same stored data (`i32` and `u64`, `Vec<T>` and `VecDeque<T>`, `HashMap` and
//! `BTreeMap`) have the same fingerprint, and so that the lock stays readable by people
//! who know the JSON and not the Rust.
//!
//! The written form is the grammar of the lock file's `type` column:
//!
//! ```text
//! ty      := base | base "?"
//! base    := "str" | "int" | "float" | "bool" | "json"
//!          | "[" ty "]"                         a list
//!          | "map<" ty ">"                      an object with arbitrary string keys
//!          | "map<" key "," ty ">"              an object whose keys are integers or variants
//! key     := "int" | "enum<" variant ("," variant)* ">"   (variants without data)
//!          | "{" field ("," field)* "}"         an embedded object, fields sorted by name
//!          | "{}"                               an embedded object without fields
//!          | "enum<" variant ("," variant)* ">" an embedded enum, variants sorted by name
//! field   := name ":" ty
//! variant := name | name ":" ty                 a unit variant, or one that holds data
//! ```
//!
//! An enum is stored in serde's default (externally tagged) form: a unit variant as its
//! name, a JSON string; a variant with data as an object of one member, named for the
//! variant, holding the data (`{"Moved": {"to": "rack-2"}}`). That form is what a plain
//! `#[derive(Serialize)]` enum already writes, and every variant, with data or without,
//! is told apart by its name alone, so no variant can be mistaken for another.

use std::fmt;

/// A normalized JSON shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    /// A JSON string.
    Str,
    /// A JSON integer: any Rust integer type.
    Int,
    /// A JSON number, integer or not: `f32` or `f64`.
    Float,
    /// `true` or `false`.
    Bool,
    /// Any JSON value (`serde_json::Value`).
    Json,
    /// A JSON array whose items all have the inner shape.
    List(Box<Ty>),
    /// A JSON object with arbitrary string keys.
    Map(Box<Ty>),
    /// A JSON object whose keys are the text of another type's values: integers (`int`)
    /// or an enum's variants without data, as serde writes map keys. Holds the key type,
    /// then the value type.
    KeyedMap(Box<Ty>, Box<Ty>),
    /// An embedded object; fields are kept sorted by name.
    Object(Vec<(String, Ty)>),
    /// An embedded enum: its variants, sorted by name, each with the shape of its data,
    /// if it holds any.
    Enum(Vec<(String, Option<Ty>)>),
    /// The value may be `null`.
    Nullable(Box<Ty>),
}

impl Ty {
    /// Builds an embedded object type, sorting its fields so that declaration order does
    /// not matter.
    pub fn object(mut fields: Vec<(String, Ty)>) -> Ty {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        Ty::Object(fields)
    }

    /// Builds an enum type, sorting its variants so that declaration order does not matter.
    pub fn enumeration(mut variants: Vec<(String, Option<Ty>)>) -> Ty {
        variants.sort_by(|a, b| a.0.cmp(&b.0));
        Ty::Enum(variants)
    }

    /// Whether every value of `self` is also a value of `new`, with the same meaning:
    /// equal types, or enums that gained variants (old objects still decode), anywhere
    /// inside lists, maps, objects and nullables. Such a change needs no migration.
    pub fn widens_to(&self, new: &Ty) -> bool {
        match (self, new) {
            (Ty::Nullable(a), Ty::Nullable(b)) | (Ty::List(a), Ty::List(b)) | (Ty::Map(a), Ty::Map(b)) => a.widens_to(b),
            (Ty::KeyedMap(ka, va), Ty::KeyedMap(kb, vb)) => ka.widens_to(kb) && va.widens_to(vb),
            (Ty::Object(a), Ty::Object(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((name, old), (new_name, new))| name == new_name && old.widens_to(new))
            }
            (Ty::Enum(a), Ty::Enum(b)) => a.iter().all(|(name, old)| {
                b.iter().any(|(new_name, new)| {
                    new_name == name
                        && match (old, new) {
                            (None, None) => true,
                            (Some(old), Some(new)) => old.widens_to(new),
                            _ => false,
                        }
                })
            }),
            _ => self == new,
        }
    }

    /// Whether this type's values can be JSON object keys other than plain strings:
    /// integers, or an enum whose variants hold no data.
    pub fn is_key(&self) -> bool {
        match self {
            Ty::Int => true,
            Ty::Enum(variants) => variants.iter().all(|(_, data)| data.is_none()),
            _ => false,
        }
    }

    /// Whether `key`, a JSON object key, is the text of a value of this key type.
    fn accepts_key(&self, key: &str) -> bool {
        match self {
            Ty::Int => key.parse::<i64>().is_ok() || key.parse::<u64>().is_ok(),
            Ty::Enum(variants) => variants.iter().any(|(name, data)| name == key && data.is_none()),
            _ => false,
        }
    }

    /// Wraps in `Nullable` unless already nullable (`Option<Option<T>>` stores as `T?`).
    pub fn nullable(self) -> Ty {
        match self {
            Ty::Nullable(_) => self,
            other => Ty::Nullable(Box::new(other)),
        }
    }

    /// Splits a top-level `?` off: `(inner, nullable)`.
    pub fn split_nullable(&self) -> (&Ty, bool) {
        match self {
            Ty::Nullable(inner) => (inner, true),
            other => (other, false),
        }
    }

    /// Whether `value` has this shape. Used to check defaults at compile time and
    /// sampled objects at run time.
    pub fn accepts(&self, value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (self, value) {
            (Ty::Json, _) => true,
            (Ty::Nullable(_), Value::Null) => true,
            (Ty::Nullable(inner), v) => inner.accepts(v),
            (Ty::Str, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => true,
            (Ty::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Ty::Float, Value::Number(_)) => true,
            (Ty::List(item), Value::Array(items)) => items.iter().all(|v| item.accepts(v)),
            (Ty::Map(item), Value::Object(map)) => map.values().all(|v| item.accepts(v)),
            (Ty::KeyedMap(key, item), Value::Object(map)) => map.iter().all(|(k, v)| key.accepts_key(k) && item.accepts(v)),
            (Ty::Enum(variants), Value::String(name)) => variants.iter().any(|(v, data)| v == name && data.is_none()),
            (Ty::Enum(variants), Value::Object(map)) if map.len() == 1 => {
                let (name, value) = map.iter().next().expect("one member");
                variants.iter().any(|(v, data)| v == name && data.as_ref().is_some_and(|ty| ty.accepts(value)))
            }
            (Ty::Object(fields), Value::Object(map)) => {
                map.keys().all(|k| fields.iter().any(|(name, _)| name == k))
                    && fields.iter().all(|(name, ty)| match map.get(name) {
                        Some(v) => ty.accepts(v),
                        None => matches!(ty, Ty::Nullable(_)),
                    })
            }
            _ => false,
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Str => f.write_str("str"),
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::Bool => f.write_str("bool"),
            Ty::Json => f.write_str("json"),
            Ty::List(item) => write!(f, "[{item}]"),
            Ty::Map(item) => write!(f, "map<{item}>"),
            Ty::KeyedMap(key, item) => write!(f, "map<{key}, {item}>"),
            Ty::Object(fields) => {
                f.write_str("{")?;
                for (i, (name, ty)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {ty}")?;
                }
                f.write_str("}")
            }
            Ty::Enum(variants) => {
                f.write_str("enum<")?;
                for (i, (name, data)) in variants.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match data {
                        Some(ty) => write!(f, "{name}: {ty}")?,
                        None => f.write_str(name)?,
                    }
                }
                f.write_str(">")
            }
            Ty::Nullable(inner) => write!(f, "{inner}?"),
        }
    }
}

mod parse;

pub use parse::TyParseError;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Ty {
        text.parse().unwrap()
    }

    #[test]
    fn display_and_parse_round_trip() {
        for text in [
            "str",
            "int?",
            "[str]",
            "map<str>",
            "[{destination: str, nexthop: str}]",
            "{chassis: str?, type: str, vtep_address: str?}?",
            "{opts: map<str>, siaddr: str?}",
            "{}",
            "[[float?]]",
            "json",
            "enum<Active, Disabled>",
            "enum<Down: {since: str}, Up>?",
            "[enum<Moved: str, Stayed>]",
        ] {
            assert_eq!(parse(text).to_string(), text);
        }
    }

    #[test]
    fn object_fields_are_sorted_whatever_the_input_order() {
        assert_eq!(parse("{b: int, a: str}").to_string(), "{a: str, b: int}");
        assert_eq!(parse(" { b :int ,a: str } "), parse("{a: str, b: int}"));
    }

    #[test]
    fn malformed_types_are_rejected_with_a_position() {
        let err = "[str".parse::<Ty>().unwrap_err();
        assert_eq!(err.reason, "expected `]`");
        assert_eq!(err.at, 4);
        assert_eq!("string".parse::<Ty>().unwrap_err().reason, "unknown type name");
        assert_eq!("str int".parse::<Ty>().unwrap_err().reason, "unexpected trailing characters");
        assert_eq!("{a str}".parse::<Ty>().unwrap_err().reason, "expected `:` after a field name");
    }

    #[test]
    fn nullable_does_not_stack() {
        assert_eq!(parse("str??"), parse("str?"));
        assert_eq!(parse("str?").split_nullable(), (&Ty::Str, true));
    }

    #[test]
    fn accepts_checks_json_shapes() {
        let binding = parse("{chassis: str?, type: str, vtep_address: str?}?");
        assert!(binding.accepts(&json!(null)));
        assert!(binding.accepts(&json!({"type": "chassis", "chassis": "c1", "vtep_address": null})));
        assert!(binding.accepts(&json!({"type": "vtep"})), "absent nullable members are null");
        assert!(!binding.accepts(&json!({"chassis": "c1"})), "`type` is required");
        assert!(!binding.accepts(&json!({"type": "x", "extra": 1})), "unknown members");
        assert!(parse("int").accepts(&json!(3)));
        assert!(!parse("int").accepts(&json!(3.5)));
        assert!(parse("float").accepts(&json!(3)));
        assert!(parse("map<str>").accepts(&json!({"1": "a"})));
        assert!(!parse("[str]").accepts(&json!(["a", 1])));
        assert!(parse("json").accepts(&json!({"anything": [1]})));
    }

    #[test]
    fn enums_accept_their_unit_variants_as_strings_and_data_variants_as_one_member_objects() {
        let status = parse("enum<Active, Moved: {to: str}, Retired: int>");
        assert!(status.accepts(&json!("Active")));
        assert!(!status.accepts(&json!("Moved")), "a variant with data is not a string");
        assert!(!status.accepts(&json!("Lost")));
        assert!(status.accepts(&json!({"Moved": {"to": "rack-2"}})));
        assert!(status.accepts(&json!({"Retired": 2019})));
        assert!(!status.accepts(&json!({"Retired": "2019"})));
        assert!(!status.accepts(&json!({"Active": null})), "a unit variant holds no data");
        assert!(!status.accepts(&json!({"Moved": {"to": "a"}, "Retired": 1})), "one member");
        assert_eq!(parse("enum<B, A>"), parse("enum<A, B>"), "variants are sorted");
        assert_eq!("enum<>".parse::<Ty>().unwrap_err().reason, "expected a name");
        assert_eq!("enum<A".parse::<Ty>().unwrap_err().reason, "expected `,` or `>`");
        assert_eq!("enum<A, A>".parse::<Ty>().unwrap_err().reason, "a variant is listed twice");
    }

    #[test]
    fn only_added_variants_widen_a_type() {
        let widens = |old: &str, new: &str| parse(old).widens_to(&parse(new));
        assert!(widens("enum<A, B>", "enum<A, B, C>"));
        assert!(widens("[{s: enum<A>?, n: int}]", "[{s: enum<A, B>?, n: int}]"));
        assert!(widens("enum<A, D: enum<X>>", "enum<A, D: enum<X, Y>>"));
        assert!(widens("str", "str"));
        assert!(!widens("enum<A, B>", "enum<A>"), "a removed variant");
        assert!(!widens("enum<A, B>", "enum<A, C>"), "a renamed variant");
        assert!(!widens("enum<A, D: str>", "enum<A, D: int>"), "a variant's data changed");
        assert!(!widens("enum<A, D>", "enum<A, D: str>"), "a unit variant given data");
        assert!(!widens("enum<A>", "enum<A>?"), "made nullable");
        assert!(!widens("{a: enum<A>}", "{a: enum<A, B>, b: int}"), "a member added");
        assert!(!widens("int", "float"));
    }

    #[test]
    fn maps_with_integer_or_variant_keys_record_and_check_their_keys() {
        assert_eq!(parse("map<int, str>").to_string(), "map<int, str>");
        assert_eq!(parse("map<enum<B, A>, [int]>?").to_string(), "map<enum<A, B>, [int]>?");
        assert_eq!("map<str, int>".parse::<Ty>().unwrap_err().reason, "a map key is `int` or an enum without data");
        assert_eq!("map<enum<A: int>, int>".parse::<Ty>().unwrap_err().reason, "a map key is `int` or an enum without data");
        let ports = parse("map<int, str>");
        assert!(ports.accepts(&json!({"80": "http", "-1": "none", "18446744073709551615": "max"})));
        assert!(!ports.accepts(&json!({"http": "80"})));
        let by_state = parse("map<enum<Down, Up>, int>");
        assert!(by_state.accepts(&json!({"Up": 3})));
        assert!(!by_state.accepts(&json!({"Lost": 3})));
        assert!(by_state.widens_to(&parse("map<enum<Down, Maintenance, Up>, int>")), "a key variant added");
        assert!(!parse("map<int, str>").widens_to(&parse("map<str>")));
    }
}
