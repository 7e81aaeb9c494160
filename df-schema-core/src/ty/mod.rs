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
//! base    := "str" | int | "float" | "bool" | "json"
//!          | "[" ty "]"                         a list
//!          | "(" ty "," ")" | "(" ty ("," ty)+ ")"   a tuple: an array of exactly those members
//!          | "map<" ty ">"                      an object with arbitrary string keys
//!          | "map<" key "," ty ">"              an object whose keys are integers or variants
//!          | "{" field ("," field)* "}"         an embedded object, fields sorted by name
//!          | "{}"                               an embedded object without fields
//!          | "enum<" variant ("," variant)* ">" an embedded enum, variants sorted by name
//! field   := name ":" ty
//! variant := name | name ":" ty                 a unit variant, or one that holds data
//! int     := "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64"   JSON numbers
//!          | "u128" | "i128"                    strings of decimal digits
//!          | "int"                              a width not recorded (an older lock)
//! key     := int (up to 64 bits) | "enum<" variant ("," variant)* ">"   (variants without data)
//! ```
//!
//! Integers keep their Rust width, so that validation knows a `u8` holding 300 is not a
//! stored `u8`; `usize` and `isize` are recorded as `u64` and `i64`. Fingerprints write
//! every width up to 64 bits as `int` (see [`Ty::fingerprint_text`]), so a database stamped
//! before widths were recorded still matches.
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
    /// An integer of the given width: a JSON number, or for 128 bits a string of digits.
    Int(IntWidth),
    /// A JSON number, integer or not: `f32` or `f64`.
    Float,
    /// `true` or `false`.
    Bool,
    /// Any JSON value (`serde_json::Value`).
    Json,
    /// A JSON array whose items all have the inner shape.
    List(Box<Ty>),
    /// A JSON array of exactly these members, in order (a Rust tuple).
    Tuple(Vec<Ty>),
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
    /// equal types, enums that gained variants or integers that got wider (old objects
    /// still decode), anywhere inside lists, maps, tuples, objects and nullables. Such a
    /// change needs no migration.
    pub fn widens_to(&self, new: &Ty) -> bool {
        match (self, new) {
            (Ty::Int(a), Ty::Int(b)) => a.widens_to(*b),
            (Ty::Tuple(a), Ty::Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(old, new)| old.widens_to(new)),
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
            Ty::Int(width) => !width.is_decimal_string(),
            Ty::Enum(variants) => variants.iter().all(|(_, data)| data.is_none()),
            _ => false,
        }
    }

    /// Whether `key`, a JSON object key, is the text of a value of this key type.
    fn accepts_key(&self, key: &str) -> bool {
        match self {
            Ty::Int(width) => width.holds_text(key),
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
            (Ty::Int(width), v) => width.accepts(v),
            (Ty::Float, Value::Number(_)) => true,
            (Ty::List(item), Value::Array(items)) => items.iter().all(|v| item.accepts(v)),
            (Ty::Tuple(members), Value::Array(items)) => members.len() == items.len() && members.iter().zip(items).all(|(ty, v)| ty.accepts(v)),
            (Ty::Map(item), Value::Object(map)) => map.values().all(|v| item.accepts(v)),
            (Ty::KeyedMap(key, item), Value::Object(map)) => map.iter().all(|(k, v)| key.accepts_key(k) && item.accepts(v)),
            (Ty::Enum(variants), Value::String(name)) => variants.iter().any(|(v, data)| v == name && data.is_none()),
            (Ty::Enum(variants), Value::Object(map)) => match map.iter().next() {
                Some((name, value)) if map.len() == 1 => variants.iter().any(|(v, data)| v == name && data.as_ref().is_some_and(|ty| ty.accepts(value))),
                _ => false,
            },
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

impl Ty {
    /// The type as the fingerprint text writes it: the lock's form with every width up to
    /// 64 bits written `int`, as fingerprints were before widths were recorded. A width
    /// change is still caught: the lock compares whole types, and validation checks ranges.
    pub fn fingerprint_text(&self) -> String {
        Written { ty: self, erase_widths: true }.to_string()
    }

    /// Whether `self`, read off a declaration, is `recorded` with widths filled in: equal
    /// except where `recorded` says `int` (a lock written before widths were recorded) and
    /// `self` names a width up to 64 bits. Such a lock is accepted as it is and completed
    /// by the next bless.
    pub fn fills_widths_of(&self, recorded: &Ty) -> bool {
        let all = |a: &[Ty], b: &[Ty]| a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.fills_widths_of(b));
        match (self, recorded) {
            (Ty::Int(width), Ty::Int(IntWidth::Unrecorded)) => !width.is_decimal_string(),
            (Ty::Nullable(a), Ty::Nullable(b)) | (Ty::List(a), Ty::List(b)) | (Ty::Map(a), Ty::Map(b)) => a.fills_widths_of(b),
            (Ty::KeyedMap(ka, va), Ty::KeyedMap(kb, vb)) => ka.fills_widths_of(kb) && va.fills_widths_of(vb),
            (Ty::Tuple(a), Ty::Tuple(b)) => all(a, b),
            (Ty::Object(a), Ty::Object(b)) => a.len() == b.len() && a.iter().zip(b).all(|((n, a), (m, b))| n == m && a.fills_widths_of(b)),
            (Ty::Enum(a), Ty::Enum(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|((n, a), (m, b))| {
                        n == m
                            && match (a, b) {
                                (Some(a), Some(b)) => a.fills_widths_of(b),
                                (a, b) => a == b,
                            }
                    })
            }
            _ => self == recorded,
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Written { ty: self, erase_widths: false }.fmt(f)
    }
}

/// A type in the lock's syntax, optionally with its integer widths erased.
struct Written<'a> {
    ty: &'a Ty,
    erase_widths: bool,
}

impl Written<'_> {
    fn of<'b>(&self, ty: &'b Ty) -> Written<'b> {
        Written { ty, erase_widths: self.erase_widths }
    }
}

impl fmt::Display for Written<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ty {
            Ty::Str => f.write_str("str"),
            Ty::Int(width) if self.erase_widths && !width.is_decimal_string() => f.write_str("int"),
            Ty::Int(width) => f.write_str(width.name()),
            Ty::Float => f.write_str("float"),
            Ty::Bool => f.write_str("bool"),
            Ty::Json => f.write_str("json"),
            Ty::List(item) => write!(f, "[{}]", self.of(item)),
            Ty::Tuple(members) => {
                f.write_str("(")?;
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", self.of(member))?;
                }
                f.write_str(if members.len() == 1 { ",)" } else { ")" })
            }
            Ty::Map(item) => write!(f, "map<{}>", self.of(item)),
            Ty::KeyedMap(key, item) => write!(f, "map<{}, {}>", self.of(key), self.of(item)),
            Ty::Object(fields) => {
                f.write_str("{")?;
                for (i, (name, ty)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {}", self.of(ty))?;
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
                        Some(ty) => write!(f, "{name}: {}", self.of(ty))?,
                        None => f.write_str(name)?,
                    }
                }
                f.write_str(">")
            }
            Ty::Nullable(inner) => write!(f, "{}?", self.of(inner)),
        }
    }
}

mod int;
mod parse;

pub use int::IntWidth;
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
            "{port: u16, size: u64?, temperature: i8}",
            "(str, [i32], u128?)",
            "(bool,)",
            "map<u32, i128>",
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
        assert!(parse("u8").accepts(&json!(255)));
        assert!(!parse("u8").accepts(&json!(300)), "out of the recorded width's range");
        assert!(!parse("{n: u8}").accepts(&json!({"n": 300})));
        assert!(parse("u128").accepts(&json!("340282366920938463463374607431768211455")));
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
        assert!(widens("{port: u16}", "{port: u32}"), "a wider integer");
        assert!(!widens("{port: u32}", "{port: u16}"), "a narrower integer");
        assert!(!widens("i32", "u32"), "a sign change");
        assert!(widens("(u8, str)", "(u16, str)"));
        assert!(!widens("(u8, str)", "(u8, str, str)"), "a member added");
    }

    #[test]
    fn tuples_are_arrays_of_exactly_their_members() {
        let pair = parse("(str, u8)");
        assert!(pair.accepts(&json!(["a", 1])));
        assert!(!pair.accepts(&json!(["a"])));
        assert!(!pair.accepts(&json!(["a", 1, 2])));
        assert!(!pair.accepts(&json!(["a", 300])));
        assert!(!pair.accepts(&json!({"0": "a", "1": 1})));
        assert_eq!(parse("( bool , )"), Ty::Tuple(vec![Ty::Bool]));
        assert_eq!("(bool)".parse::<Ty>().unwrap_err().reason, "a one-member tuple is written `(T,)`");
        assert_eq!("(bool, int".parse::<Ty>().unwrap_err().reason, "expected `,` or `)`");
        assert_eq!("()".parse::<Ty>().unwrap_err().reason, "expected a name");
    }

    #[test]
    fn fingerprint_text_writes_widths_up_to_64_bits_as_int() {
        assert_eq!(parse("{a: u8, b: [i64?], c: map<u16, u128>}").fingerprint_text(), "{a: int, b: [int?], c: map<int, u128>}");
    }

    #[test]
    fn a_declared_width_fills_an_unrecorded_one_and_nothing_else() {
        let fills = |current: &str, recorded: &str| parse(current).fills_widths_of(&parse(recorded));
        assert!(fills("{a: u8, b: [i64?]}", "{a: int, b: [int?]}"));
        assert!(fills("enum<A: u16, B>", "enum<A: int, B>"));
        assert!(fills("u8", "u8"));
        assert!(!fills("u16", "u8"), "a recorded width is kept");
        assert!(!fills("u128", "int"), "an unrecorded width was at most 64 bits");
        assert!(!fills("{a: u8, b: str}", "{a: int, b: int}"));
        assert!(!fills("{a: u8}", "{a: int, b: int}"));
    }

    #[test]
    fn maps_with_integer_or_variant_keys_record_and_check_their_keys() {
        assert_eq!(parse("map<int, str>").to_string(), "map<int, str>");
        assert_eq!(parse("map<enum<B, A>, [int]>?").to_string(), "map<enum<A, B>, [int]>?");
        assert_eq!("map<str, int>".parse::<Ty>().unwrap_err().reason, "a map key is an integer up to 64 bits or an enum without data");
        assert_eq!("map<enum<A: int>, int>".parse::<Ty>().unwrap_err().reason, "a map key is an integer up to 64 bits or an enum without data");
        assert!(!parse("map<u8, str>").accepts(&json!({"256": "x"})), "a key out of range");
        assert_eq!("map<u128, str>".parse::<Ty>().unwrap_err().reason, "a map key is an integer up to 64 bits or an enum without data");
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
