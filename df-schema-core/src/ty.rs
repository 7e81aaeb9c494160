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
//! ty     := base | base "?"
//! base   := "str" | "int" | "float" | "bool" | "json"
//!         | "[" ty "]"                      a list
//!         | "map<" ty ">"                   an object with arbitrary string keys
//!         | "{" field ("," field)* "}"      an embedded object, fields sorted by name
//!         | "{}"                            an embedded object without fields
//! field  := name ":" ty
//! ```

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
    /// An embedded object; fields are kept sorted by name.
    Object(Vec<(String, Ty)>),
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
            Ty::Nullable(inner) => write!(f, "{inner}?"),
        }
    }
}

/// A type string that does not follow the grammar in the module docs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed type `{text}` at byte {at}: {reason}")]
pub struct TyParseError {
    /// The whole text that was parsed.
    pub text: String,
    /// The byte offset in `text` where it stops following the grammar.
    pub at: usize,
    /// What was expected there.
    pub reason: &'static str,
}

impl std::str::FromStr for Ty {
    type Err = TyParseError;

    fn from_str(text: &str) -> Result<Ty, TyParseError> {
        let mut parser = Parser { text, pos: 0 };
        let ty = parser.ty()?;
        parser.skip_ws();
        if parser.pos != text.len() {
            return Err(parser.error("unexpected trailing characters"));
        }
        Ok(ty)
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> TyParseError {
        TyParseError { text: self.text.to_owned(), at: self.pos, reason }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str, reason: &'static str) -> Result<(), TyParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn ident(&mut self) -> Result<String, TyParseError> {
        self.skip_ws();
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        let ident = self.rest()[..len].to_owned();
        self.pos += len;
        Ok(ident)
    }

    fn ty(&mut self) -> Result<Ty, TyParseError> {
        let mut ty = self.base()?;
        while self.eat("?") {
            ty = ty.nullable();
        }
        Ok(ty)
    }

    fn base(&mut self) -> Result<Ty, TyParseError> {
        if self.eat("[") {
            let item = self.ty()?;
            self.expect("]", "expected `]`")?;
            return Ok(Ty::List(Box::new(item)));
        }
        if self.eat("{") {
            let mut fields = Vec::new();
            if !self.eat("}") {
                loop {
                    let name = self.ident()?;
                    self.expect(":", "expected `:` after a field name")?;
                    fields.push((name, self.ty()?));
                    if self.eat("}") {
                        break;
                    }
                    self.expect(",", "expected `,` or `}`")?;
                }
            }
            return Ok(Ty::object(fields));
        }
        let start = self.pos;
        match self.ident()?.as_str() {
            "str" => Ok(Ty::Str),
            "int" => Ok(Ty::Int),
            "float" => Ok(Ty::Float),
            "bool" => Ok(Ty::Bool),
            "json" => Ok(Ty::Json),
            "map" => {
                self.expect("<", "expected `<` after `map`")?;
                let item = self.ty()?;
                self.expect(">", "expected `>`")?;
                Ok(Ty::Map(Box::new(item)))
            }
            _ => {
                self.pos = start;
                Err(self.error("unknown type name"))
            }
        }
    }
}

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
}
