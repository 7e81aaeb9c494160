//! The schema lock file (`df-schema.lock`): every recorded version of every model.
//!
//! It is JSON laid out for review: models, versions and fields sorted, one field per line,
//! so that a version bump shows up in a diff as a block of added lines. Each version keeps
//! its table, release label, fingerprint and fields (with the default *of that version*,
//! which an automatic step replays). Embedded structs are recorded under `embedded` with
//! their current shape, because a proc macro sees only the struct it is attached to and
//! learns a field's embedded shape from here.
//!
//! Reading checks every fingerprint against its fields, so a hand edit that is not a
//! consistent re-recording is refused.

use crate::{fingerprint::canonical_json, schema::Field, schema::VersionSchema, ty::Ty};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The file name of the lock at a crate root.
pub const LOCK_FILE_NAME: &str = "df-schema.lock";
const FORMAT_VERSION: u64 = 1;
const NOTE: &str =
    "Recorded by #[df_model]. Check it in. Update it with `DF_SCHEMA_BLESS=1 cargo build`, not by hand.";

/// The whole lock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lock {
    /// Model name → every recorded version of it.
    pub models: BTreeMap<String, ModelHistory>,
    /// Embedded struct name → its object type.
    pub embedded: BTreeMap<String, Ty>,
    /// The names in `embedded` that are type aliases (`#[df_embedded] type Port = u16;`):
    /// they have no type of their own for the models to check their shape against.
    pub aliases: BTreeSet<String>,
}

/// Every recorded version of one model, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelHistory {
    /// Version number → what was recorded for it.
    pub versions: BTreeMap<u32, VersionRecord>,
}

/// One recorded version.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionRecord {
    /// The version's table, release label and fields.
    pub schema: VersionSchema,
    /// The fingerprint of its fields (see [`fingerprint()`](crate::fingerprint())).
    pub fingerprint: String,
}

impl VersionRecord {
    /// The record of `schema`, with its fingerprint computed.
    pub fn new(schema: VersionSchema) -> VersionRecord {
        VersionRecord { fingerprint: schema.fingerprint(), schema }
    }
}

impl ModelHistory {
    /// The highest recorded version and its record; `None` for an empty history.
    pub fn latest(&self) -> Option<(u32, &VersionRecord)> {
        self.versions.iter().next_back().map(|(v, r)| (*v, r))
    }
}

/// Why a lock could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The text is not JSON.
    #[error("the schema lock is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The lock's `df-schema-lock` format number is not the one this df-schema reads.
    #[error("the schema lock has format {found}, this df-schema reads format {FORMAT_VERSION}")]
    Format {
        /// The format number it has, `null` if it has none.
        found: Value,
    },
    /// The JSON does not have a lock's structure.
    #[error("the schema lock is malformed at {at}: {reason}")]
    Malformed {
        /// Where, as a path of member names (`models.LogicalPort.5`).
        at: String,
        /// What is wrong there.
        reason: String,
    },
    /// A version's recorded fingerprint does not match its recorded fields.
    #[error(
        "the schema lock records {model} v{version} with fingerprint {recorded}, but its fields \
         give {computed}: the lock was edited by hand; restore it from version control and \
         re-record with `DF_SCHEMA_BLESS=1 cargo build`"
    )]
    Fingerprint {
        /// The model's name.
        model: String,
        /// The version.
        version: u32,
        /// The fingerprint the lock records.
        recorded: String,
        /// The fingerprint its recorded fields give.
        computed: String,
    },
}

impl Lock {
    /// Reads a lock from its text. An empty text is an empty lock.
    pub fn parse(text: &str) -> Result<Lock, LockError> {
        if text.trim().is_empty() {
            return Ok(Lock::default());
        }
        let root: Value = serde_json::from_str(text)?;
        let root = as_object(&root, "the top level")?;
        match root.get("df-schema-lock") {
            Some(v) if v.as_u64() == Some(FORMAT_VERSION) => {}
            other => return Err(LockError::Format { found: other.cloned().unwrap_or(Value::Null) }),
        }
        let mut lock = Lock::default();
        if let Some(embedded) = root.get("embedded") {
            for (name, ty) in as_object(embedded, "embedded")? {
                let at = format!("embedded.{name}");
                lock.embedded.insert(name.clone(), parse_ty(ty, &at)?);
            }
        }
        if let Some(aliases) = root.get("aliases") {
            let Value::Array(names) = aliases else { return Err(malformed("aliases", "a list of names")) };
            for name in names {
                let name = name.as_str().filter(|n| lock.embedded.contains_key(*n));
                lock.aliases.insert(name.ok_or_else(|| malformed("aliases", "names recorded under `embedded`"))?.to_owned());
            }
        }
        if let Some(models) = root.get("models") {
            for (name, versions) in as_object(models, "models")? {
                let mut history = ModelHistory::default();
                for (version, record) in as_object(versions, name)? {
                    let at = format!("models.{name}.{version}");
                    let number = version
                        .parse::<u32>()
                        .ok()
                        .filter(|v| *v >= 1)
                        .ok_or_else(|| malformed(&at, "a version must be an integer ≥ 1"))?;
                    let record = parse_version(record, &at)?;
                    if record.fingerprint != record.schema.fingerprint() {
                        return Err(LockError::Fingerprint {
                            model: name.clone(),
                            version: number,
                            computed: record.schema.fingerprint(),
                            recorded: record.fingerprint,
                        });
                    }
                    history.versions.insert(number, record);
                }
                lock.models.insert(name.clone(), history);
            }
        }
        Ok(lock)
    }

    /// Writes the lock in its one canonical layout.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        out.push_str("{\n");
        let _ = writeln!(out, "  \"df-schema-lock\": {FORMAT_VERSION},");
        let _ = writeln!(out, "  \"note\": {},", Value::String(NOTE.into()));
        out.push_str("  \"embedded\": {");
        for (i, (name, ty)) in self.embedded.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            let _ = write!(out, "    {}: {}", json_str(name), json_str(&ty.to_string()));
        }
        out.push_str(if self.embedded.is_empty() { "},\n" } else { "\n  },\n" });
        // Written only when there are aliases, so that other locks keep their bytes.
        if !self.aliases.is_empty() {
            let names: Vec<String> = self.aliases.iter().map(|name| json_str(name)).collect();
            let _ = writeln!(out, "  \"aliases\": [{}],", names.join(", "));
        }
        out.push_str("  \"models\": {");
        for (i, (name, history)) in self.models.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            let _ = write!(out, "    {}: {{", json_str(name));
            for (j, (version, record)) in history.versions.iter().enumerate() {
                out.push_str(if j == 0 { "\n" } else { ",\n" });
                write_version(&mut out, *version, record);
            }
            out.push_str("\n    }");
        }
        out.push_str(if self.models.is_empty() { "}\n}\n" } else { "\n  }\n}\n" });
        out
    }
}

fn write_version(out: &mut String, version: u32, record: &VersionRecord) {
    let schema = &record.schema;
    let _ = writeln!(out, "      \"{version}\": {{");
    let _ = writeln!(out, "        \"table\": {},", json_str(&schema.table));
    if let Some(release) = &schema.release {
        let _ = writeln!(out, "        \"release\": {},", json_str(release));
    }
    let _ = writeln!(out, "        \"fingerprint\": {},", json_str(&record.fingerprint));
    out.push_str("        \"fields\": [");
    for (i, field) in schema.fields.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            out,
            "          {{\"name\": {}, \"type\": {}, \"nullable\": {}",
            json_str(&field.name),
            json_str(&field.ty.to_string()),
            field.nullable
        );
        if let Some(default) = &field.default {
            let _ = write!(out, ", \"default\": {}", canonical_json(default));
        }
        out.push('}');
    }
    out.push_str(if schema.fields.is_empty() { "]\n      }" } else { "\n        ]\n      }" });
}

fn json_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

fn malformed(at: &str, reason: &str) -> LockError {
    LockError::Malformed { at: at.to_owned(), reason: reason.to_owned() }
}

fn as_object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, LockError> {
    value.as_object().ok_or_else(|| malformed(at, "expected an object"))
}

fn as_str<'a>(object: &'a Map<String, Value>, key: &str, at: &str) -> Result<&'a str, LockError> {
    object
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(at, &format!("`{key}` must be a string")))
}

fn parse_ty(value: &Value, at: &str) -> Result<Ty, LockError> {
    let text = value.as_str().ok_or_else(|| malformed(at, "a type must be a string"))?;
    text.parse().map_err(|e: crate::TyParseError| malformed(at, &e.to_string()))
}

fn parse_version(value: &Value, at: &str) -> Result<VersionRecord, LockError> {
    let object = as_object(value, at)?;
    let table = as_str(object, "table", at)?.to_owned();
    let release = match object.get("release") {
        None => None,
        Some(_) => Some(as_str(object, "release", at)?.to_owned()),
    };
    let fingerprint = as_str(object, "fingerprint", at)?.to_owned();
    let fields = object
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed(at, "`fields` must be a list"))?
        .iter()
        .map(|field| {
            let field = as_object(field, at)?;
            let name = as_str(field, "name", at)?.to_owned();
            let at = format!("{at}.{name}");
            Ok(Field {
                ty: parse_ty(field.get("type").unwrap_or(&Value::Null), &at)?,
                nullable: field
                    .get("nullable")
                    .and_then(Value::as_bool)
                    .ok_or_else(|| malformed(&at, "`nullable` must be true or false"))?,
                default: field.get("default").cloned(),
                name,
            })
        })
        .collect::<Result<Vec<_>, LockError>>()?;
    Ok(VersionRecord { schema: VersionSchema::new(table, release, fields), fingerprint })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Lock {
        let field = |name: &str, ty: &str, nullable, default| Field {
            name: name.into(),
            ty: ty.parse().unwrap(),
            nullable,
            default,
        };
        let v1 = VersionSchema::new(
            "ovs_port".into(),
            Some("2.0".into()),
            vec![field("id", "str", false, None), field("ofport", "int", true, Some(Value::Null))],
        );
        let v2 = VersionSchema::new(
            "switch_port".into(),
            None,
            vec![field("port_num", "int", true, Some(Value::Null)), field("id", "str", false, None)],
        );
        let mut history = ModelHistory::default();
        history.versions.insert(1, VersionRecord::new(v1));
        history.versions.insert(2, VersionRecord::new(v2));
        let mut lock = Lock::default();
        lock.models.insert("SwitchPort".into(), history);
        lock.models.insert("Empty".into(), ModelHistory::default());
        lock.embedded.insert("HostRoute".into(), "{nexthop: str, destination: str}".parse().unwrap());
        lock
    }

    #[test]
    fn writes_and_reads_back_exactly() {
        let text = sample().to_text();
        let read = Lock::parse(&text).unwrap();
        assert_eq!(read, sample());
        assert_eq!(read.to_text(), text, "writing is canonical");
    }

    #[test]
    fn layout_is_one_field_per_line_and_sorted() {
        let text = sample().to_text();
        assert!(text.contains(
            "          {\"name\": \"ofport\", \"type\": \"int\", \"nullable\": true, \"default\": null}"
        ));
        assert!(text.contains("\"HostRoute\": \"{destination: str, nexthop: str}\""));
        let empty = text.find("\"Empty\"").unwrap();
        let switch = text.find("\"SwitchPort\"").unwrap();
        assert!(empty < switch);
        assert!(text.find("\"id\"").unwrap() < text.find("\"ofport\"").unwrap());
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn empty_text_is_an_empty_lock_and_empty_lock_round_trips() {
        assert_eq!(Lock::parse("").unwrap(), Lock::default());
        let text = Lock::default().to_text();
        assert_eq!(Lock::parse(&text).unwrap(), Lock::default());
    }

    #[test]
    fn hand_edited_fields_are_caught_by_the_fingerprint() {
        let text = sample().to_text().replace("\"ofport\", \"type\": \"int\"", "\"ofport\", \"type\": \"str\"");
        match Lock::parse(&text) {
            Err(LockError::Fingerprint { model, version, .. }) => {
                assert_eq!((model.as_str(), version), ("SwitchPort", 1));
            }
            other => panic!("expected a fingerprint error, got {other:?}"),
        }
    }

    #[test]
    fn malformed_locks_name_the_place() {
        let bad_version = json!({"df-schema-lock": 1, "models": {"M": {"zero": {}}}}).to_string();
        let err = Lock::parse(&bad_version).unwrap_err().to_string();
        assert!(err.contains("models.M.zero"), "{err}");
        let bad_type = json!({"df-schema-lock": 1, "embedded": {"E": "{a: strr}"}}).to_string();
        let err = Lock::parse(&bad_type).unwrap_err().to_string();
        assert!(err.contains("embedded.E") && err.contains("unknown type name"), "{err}");
        let future = json!({"df-schema-lock": 2}).to_string();
        assert!(matches!(Lock::parse(&future), Err(LockError::Format { .. })));
        assert!(matches!(Lock::parse("{"), Err(LockError::Json(_))));
    }

    #[test]
    fn aliases_round_trip_and_must_be_recorded_shapes() {
        let mut lock = sample();
        lock.embedded.insert("Port".into(), Ty::Int(crate::IntWidth::U16));
        lock.aliases.insert("Port".into());
        let text = lock.to_text();
        assert!(text.contains("  \"aliases\": [\"Port\"],\n"), "{text}");
        assert_eq!(Lock::parse(&text).unwrap(), lock);
        assert!(!sample().to_text().contains("aliases"), "locks without aliases keep their layout");
        let stray = text.replace("[\"Port\"]", "[\"Vlan\"]");
        assert!(Lock::parse(&stray).unwrap_err().to_string().contains("aliases"));
    }
}
