//! Schema fingerprints and code checksums.
//!
//! A fingerprint identifies a model version's stored shape. It is the first 16 hex digits
//! of the SHA-256 of a canonical text with one line per field, sorted by field name:
//!
//! ```text
//! df-schema fingerprint v1
//! <name> TAB <normalized type> TAB <"nullable" | "required"> TAB <canonical JSON default | "-">
//! ```
//!
//! Normalized types (see [`crate::Ty`]) sort embedded members by name, and canonical JSON
//! sorts object keys, so the fingerprint depends on field names, types, nullability and
//! defaults, and on nothing else: not on field order, formatting, comments, the Rust
//! spelling of a type, the platform or the compiler. The table name and the release label
//! are recorded beside the fingerprint, not inside it.

use crate::schema::Field;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fingerprint of a field list, in any order.
pub fn fingerprint(fields: &[Field]) -> String {
    let mut lines: Vec<String> = fields
        .iter()
        .map(|f| {
            let default = f.default.as_ref().map_or_else(|| "-".to_owned(), canonical_json);
            let nullable = if f.nullable { "nullable" } else { "required" };
            format!("{}\t{}\t{}\t{}\n", f.name, f.ty.fingerprint_text(), nullable, default)
        })
        .collect();
    lines.sort();
    digest_hex(format!("df-schema fingerprint v1\n{}", lines.concat()).as_bytes())
}

/// The first 16 hex digits (64 bits) of the SHA-256 of `bytes`: short enough to read in a
/// lock or a log, long enough that an accidental collision is out of the question.
pub fn digest_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON text with object keys sorted at every level, whatever features `serde_json` was
/// built with, so that equal values always print equally.
pub fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let body: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(items) => {
            format!("[{}]", items.iter().map(canonical_json).collect::<Vec<_>>().join(","))
        }
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ty::Ty;
    use serde_json::json;

    fn field(name: &str, ty: &str, nullable: bool, default: Option<Value>) -> Field {
        Field { name: name.into(), ty: ty.parse().unwrap(), nullable, default }
    }

    fn lport_v5() -> Vec<Field> {
        vec![
            field("id", "str", false, None),
            field("topic", "str", false, None),
            field("binding_vnic_type", "str", false, Some(json!("normal"))),
            field("binding", "{chassis: str?, type: str, vtep_address: str?}", true, Some(Value::Null)),
        ]
    }

    #[test]
    fn is_pinned_so_that_recorded_locks_stay_valid() {
        // If this changes, every lock ever written stops matching: never change the
        // algorithm without a new version tag.
        assert_eq!(fingerprint(&lport_v5()), fingerprint(&lport_v5()));
        assert_eq!(fingerprint(&lport_v5()), "5f87a8fd7c7dcc92");
        assert_eq!(fingerprint(&[]), digest_hex(b"df-schema fingerprint v1\n"));
    }

    #[test]
    fn ignores_field_order_and_embedded_member_order() {
        let mut reversed = lport_v5();
        reversed.reverse();
        reversed[0].ty = "{vtep_address: str?, type: str, chassis: str?}".parse::<Ty>().unwrap();
        assert_eq!(fingerprint(&reversed), fingerprint(&lport_v5()));
    }

    #[test]
    fn sees_names_types_nullability_and_defaults() {
        let base = fingerprint(&lport_v5());
        let changed = |f: &dyn Fn(&mut Vec<Field>)| {
            let mut fields = lport_v5();
            f(&mut fields);
            fingerprint(&fields)
        };
        assert_ne!(changed(&|f| f[0].name = "uuid".into()), base);
        assert_ne!(changed(&|f| f[1].ty = Ty::Int(crate::IntWidth::U8)), base);
        assert_ne!(changed(&|f| f[1].nullable = true), base);
        assert_ne!(changed(&|f| f[2].default = Some(json!("direct"))), base);
        assert_ne!(changed(&|f| f[2].default = None), base);
        assert_ne!(changed(&|f| f[3].default = None), base);
        assert_ne!(changed(&|f| { f.pop(); }), base);
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": [{"y": 1, "x": 2}], "a": null});
        assert_eq!(canonical_json(&a), r#"{"a":null,"b":[{"x":2,"y":1}]}"#);
        assert_eq!(canonical_json(&json!("q\"")), r#""q\"""#);
    }
}
