//! What changed between two schemas of a model, and whether the framework can migrate
//! the change by itself.
//!
//! A step can be automatic only when every change adds a field with a default (the
//! recorded default is then written into every stored object), adds variants to an enum
//! (every stored object still decodes), or renames the table (`renamed_from`, checked at
//! compile time: the objects move as they are). Anything else (a field removed, renamed,
//! retyped, made required, given another default, added without a default, a variant
//! removed, renamed or given other data) loses or invents data unless a person decides
//! how, so it needs a `#[migration]`.

use crate::schema::{Field, VersionSchema};
use crate::ty::Ty;
use crate::fingerprint::canonical_json;
use std::fmt::{self, Write};

/// One difference between two schemas of a model.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A field the new schema has and the old one does not.
    Added(Field),
    /// A field the old schema has and the new one does not.
    Removed(Field),
    /// A field of both schemas whose type, nullability or default differ.
    Modified {
        /// The field in the old schema.
        from: Field,
        /// The field in the new schema.
        to: Field,
    },
    /// The objects live in another table.
    TableRenamed {
        /// The old schema's table.
        from: String,
        /// The new schema's table.
        to: String,
    },
    /// The release label differs. Only reported when [`diff`] is asked to compare labels.
    ReleaseChanged {
        /// The old schema's label, if it has one.
        from: Option<String>,
        /// The new schema's label, if it has one.
        to: Option<String>,
    },
}

impl Change {
    /// The field the change is about, if any.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Change::Added(f) | Change::Removed(f) | Change::Modified { to: f, .. } => Some(&f.name),
            Change::TableRenamed { .. } | Change::ReleaseChanged { .. } => None,
        }
    }

    /// Whether the framework can apply this change without a hand-written migration: a
    /// field added with a default, a field whose enums only gained variants, or the table
    /// renamed (the objects move whole).
    pub fn is_automatic(&self) -> bool {
        match self {
            Change::Added(field) => field.default.is_some(),
            Change::Modified { from, to } => from.default == to.default && from.full_ty().widens_to(&to.full_ty()),
            Change::TableRenamed { .. } => true,
            Change::Removed(_) | Change::ReleaseChanged { .. } => false,
        }
    }
}

fn show_default(field: &Field) -> String {
    field.default.as_ref().map_or_else(|| "no default".to_owned(), |d| format!("default {}", canonical_json(d)))
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(field) => match &field.default {
                Some(d) => write!(f, "field `{}` added ({}, default {})", field.name, field.full_ty(), canonical_json(d)),
                None => write!(f, "field `{}` added ({}) without a default", field.name, field.full_ty()),
            },
            Change::Removed(field) => write!(f, "field `{}` removed (was {})", field.name, field.full_ty()),
            Change::Modified { from, to } => {
                let mut aspects = Vec::new();
                if from.full_ty() != to.full_ty() {
                    let mut inner = Vec::new();
                    ty_changes("", &from.full_ty(), &to.full_ty(), &mut inner);
                    aspects.push(inner.join(", "));
                }
                if from.default != to.default {
                    aspects.push(format!("{} → {}", show_default(from), show_default(to)));
                }
                write!(f, "field `{}` changed: {}", to.name, aspects.join(", "))
            }
            Change::TableRenamed { from, to } => write!(f, "table renamed from `{from}` to `{to}`"),
            Change::ReleaseChanged { from, to } => {
                let show = |r: &Option<String>| r.as_deref().map_or_else(|| "none".to_owned(), |r| format!("\"{r}\""));
                write!(f, "release label changed from {} to {}", show(from), show(to))
            }
        }
    }
}

/// Where two types differ, as short paths into them (`[].protocol str? → int?`), so that
/// a change deep inside an embedded object does not print both whole types.
fn ty_changes(path: &str, old: &Ty, new: &Ty, out: &mut Vec<String>) {
    let at = |path: &str| if path.is_empty() { "type".to_owned() } else { format!("`{path}`") };
    match (old, new) {
        (Ty::Nullable(a), Ty::Nullable(b)) if is_container(a) && is_container(b) => ty_changes(path, a, b, out),
        (Ty::List(a), Ty::List(b)) => ty_changes(&format!("{path}[]"), a, b, out),
        (Ty::Map(a), Ty::Map(b)) => ty_changes(&format!("{path}{{*}}"), a, b, out),
        (Ty::KeyedMap(ka, a), Ty::KeyedMap(kb, b)) => {
            if ka != kb {
                ty_changes(&format!("{path}{{key}}"), ka, kb, out);
            }
            if a != b {
                ty_changes(&format!("{path}{{*}}"), a, b, out);
            }
        }
        (Ty::Object(a), Ty::Object(b)) => {
            let member = |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
            for (name, ty) in a {
                match b.iter().find(|(n, _)| n == name) {
                    None => out.push(format!("`{}` removed", member(name))),
                    Some((_, now)) if now != ty => ty_changes(&member(name), ty, now, out),
                    Some(_) => {}
                }
            }
            for (name, ty) in b.iter().filter(|(n, _)| !a.iter().any(|(m, _)| m == n)) {
                out.push(format!("`{}` added ({ty})", member(name)));
            }
        }
        (Ty::Enum(a), Ty::Enum(b)) => {
            let variant = |name: &str| if path.is_empty() { format!("variant `{name}`") } else { format!("`{path}` variant `{name}`") };
            for (name, data) in a {
                match (b.iter().find(|(n, _)| n == name).map(|(_, d)| d), data) {
                    (None, _) => out.push(format!("{} removed", variant(name))),
                    (Some(Some(now)), Some(was)) if was != now => match (was, now) {
                        (Ty::Object(_), Ty::Object(_)) => {
                            let inner = if path.is_empty() { name.clone() } else { format!("{path}::{name}") };
                            ty_changes(&inner, was, now, out);
                        }
                        _ => out.push(format!("{} held {was}, now holds {now}", variant(name))),
                    },
                    (Some(Some(now)), None) => out.push(format!("{} now holds {now}", variant(name))),
                    (Some(None), Some(was)) => out.push(format!("{} no longer holds {was}", variant(name))),
                    (Some(_), _) => {}
                }
            }
            for (name, data) in b.iter().filter(|(n, _)| !a.iter().any(|(m, _)| m == n)) {
                match data {
                    Some(ty) => out.push(format!("{} added (holding {ty})", variant(name))),
                    None => out.push(format!("{} added", variant(name))),
                }
            }
        }
        _ => out.push(format!("{} {old} → {new}", at(path))),
    }
}

fn is_container(ty: &Ty) -> bool {
    matches!(ty, Ty::List(_) | Ty::Map(_) | Ty::KeyedMap(..) | Ty::Object(_) | Ty::Enum(_))
}

/// The changes that turn `old` into `new`: fields by name (added, removed, modified, in
/// name order), then the table. Release labels are compared only when `with_release`,
/// since consecutive versions naturally carry different ones.
pub fn diff(old: &VersionSchema, new: &VersionSchema, with_release: bool) -> Vec<Change> {
    let mut changes = Vec::new();
    for field in &old.fields {
        match new.field(&field.name) {
            None => changes.push(Change::Removed(field.clone())),
            Some(now) if now != field => changes.push(Change::Modified { from: field.clone(), to: now.clone() }),
            Some(_) => {}
        }
    }
    for field in &new.fields {
        if old.field(&field.name).is_none() {
            changes.push(Change::Added(field.clone()));
        }
    }
    changes.sort_by(|a, b| a.field_name().cmp(&b.field_name()));
    if old.table != new.table {
        changes.push(Change::TableRenamed { from: old.table.clone(), to: new.table.clone() });
    }
    if with_release && old.release != new.release {
        changes.push(Change::ReleaseChanged { from: old.release.clone(), to: new.release.clone() });
    }
    changes
}

/// Pairs of a removed and an added field with the same type and close names (see
/// [`names_close`]), which are probably renames: messages point them out because a
/// rename is the change a migration most often covers, and a wrong guess misleads.
pub fn likely_renames(changes: &[Change]) -> Vec<(&str, &str)> {
    let mut pairs = Vec::new();
    for removed in changes {
        let Change::Removed(old) = removed else { continue };
        let close = changes.iter().filter_map(|c| match c {
            Change::Added(new) if new.full_ty() == old.full_ty() && names_close(&old.name, &new.name) => Some(new.name.as_str()),
            _ => None,
        });
        pairs.extend(close.map(|new| (old.name.as_str(), new)));
    }
    pairs
}

/// Whether two field names look like one name changed: they share a word (`tunnel_key`
/// and `unique_key`), one word contains a word of the other (`ofport` and `port_num`), or
/// they are a few edits apart (`adress` and `address`).
fn names_close(a: &str, b: &str) -> bool {
    let words = |name: &str| -> Vec<String> { name.split('_').filter(|w| w.len() >= 3).map(str::to_ascii_lowercase).collect() };
    let (a_words, b_words) = (words(a), words(b));
    let shared = a_words.iter().any(|x| b_words.iter().any(|y| x.contains(y.as_str()) || y.contains(x.as_str())));
    shared || edit_distance(a, b) * 3 <= a.chars().count().max(b.chars().count())
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(x != *y));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// One version step of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The model's name.
    pub model: String,
    /// The version the step starts from.
    pub from: u32,
    /// The version it reaches, the next one after `from`.
    pub to: u32,
    /// What changes, as [`diff`] orders them: fields by name, then the table.
    pub changes: Vec<Change>,
}

impl Step {
    /// Whether the framework applies this step by itself.
    pub fn is_automatic(&self) -> bool {
        self.changes.iter().all(Change::is_automatic)
    }

    /// The changes as one line, with likely renames pointed out.
    pub fn summary(&self) -> String {
        if self.changes.is_empty() {
            return "no field changes".to_owned();
        }
        let mut text = self.changes.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        for (old, new) in likely_renames(&self.changes) {
            let _ = write!(text, " (`{old}` → `{new}` looks like a rename)");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{field, schema};
    use serde_json::{json, Value};


    #[test]
    fn only_fields_added_with_defaults_are_automatic() {
        let old = schema("lport", vec![field("id", "str", None)]);
        let new = schema(
            "lport",
            vec![field("id", "str", None), field("binding_vnic_type", "str", Some(json!("normal")))],
        );
        let step = Step { model: "LogicalPort".into(), from: 4, to: 5, changes: diff(&old, &new, false) };
        assert!(step.is_automatic());
        assert_eq!(step.summary(), "field `binding_vnic_type` added (str, default \"normal\")");
    }

    #[test]
    fn removal_rename_retype_and_required_additions_need_a_migration() {
        let old = schema(
            "lport",
            vec![field("id", "str", None), field("tunnel_key", "int", None), field("protocol", "str?", None)],
        );
        let new = schema(
            "lport",
            vec![
                field("id", "str", None),
                field("unique_key", "int", None),
                field("protocol", "int?", None),
                field("lswitch", "str", None),
            ],
        );
        let changes = diff(&old, &new, false);
        let step = Step { model: "LogicalPort".into(), from: 1, to: 2, changes: changes.clone() };
        assert!(!step.is_automatic());
        assert_eq!(
            changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "field `lswitch` added (str) without a default",
                "field `protocol` changed: type str? → int?",
                "field `tunnel_key` removed (was int)",
                "field `unique_key` added (int) without a default",
            ]
        );
        assert!(step.summary().ends_with("(`tunnel_key` → `unique_key` looks like a rename)"));
    }

    #[test]
    fn changes_inside_embedded_objects_are_shown_by_path() {
        let rules = |protocol: &str| {
            schema("secgroup", vec![field("rules", &format!("[{{id: str, protocol: {protocol}, direction: str}}]"), None)])
        };
        let changes = diff(&rules("str?"), &rules("int?"), false);
        assert_eq!(changes[0].to_string(), "field `rules` changed: `[].protocol` str? → int?");
        let old = schema("lport", vec![field("b", "{a: str, c: int}?", None)]);
        let new = schema("lport", vec![field("b", "{a: str, d: [str]}?", None)]);
        assert_eq!(diff(&old, &new, false)[0].to_string(), "field `b` changed: `c` removed, `d` added ([str])");
    }

    #[test]
    fn default_changes_and_table_renames_are_reported() {
        let old = schema("ovs_port", vec![field("type", "str?", Some(Value::Null))]);
        let new = schema("switch_port", vec![field("type", "str?", Some(json!("compute")))]);
        let changes = diff(&old, &new, false);
        assert_eq!(changes[0].to_string(), "field `type` changed: default null → default \"compute\"");
        assert_eq!(changes[1].to_string(), "table renamed from `ovs_port` to `switch_port`");
        assert!(!changes[0].is_automatic() && changes[1].is_automatic(), "a rename moves the objects whole");
    }

    #[test]
    fn identical_schemas_have_no_changes_and_release_is_optional() {
        let a = VersionSchema::new("t".into(), Some("1.0".into()), vec![field("id", "str", None)]);
        let b = VersionSchema::new("t".into(), Some("2.0".into()), vec![field("id", "str", None)]);
        assert!(diff(&a, &b, false).is_empty());
        assert_eq!(diff(&a, &b, true)[0].to_string(), "release label changed from \"1.0\" to \"2.0\"");
    }

    #[test]
    fn added_variants_are_automatic_and_every_other_enum_change_names_its_variant() {
        let status = |ty: &str| schema("host", vec![field("id", "str", None), field("status", ty, None)]);
        let step = |old: &str, new: &str| Step { model: "Host".into(), from: 1, to: 2, changes: diff(&status(old), &status(new), false) };

        let added = step("enum<Active, Retired>", "enum<Active, Maintenance: {until: str}, Retired>");
        assert!(added.is_automatic());
        assert_eq!(added.summary(), "field `status` changed: variant `Maintenance` added (holding {until: str})");

        let removed = step("enum<Active, Lost, Retired>", "enum<Active, Retired>");
        assert!(!removed.is_automatic());
        assert_eq!(removed.summary(), "field `status` changed: variant `Lost` removed");

        let renamed = step("enum<Active, Gone>", "enum<Active, Retired>");
        assert!(!renamed.is_automatic());
        assert_eq!(renamed.summary(), "field `status` changed: variant `Gone` removed, variant `Retired` added");

        let data = step("[enum<Active, Moved: {to: str}>]?", "[enum<Active, Moved: {rack: int, to: str}>]?");
        assert!(!data.is_automatic());
        assert_eq!(data.summary(), "field `status` changed: `[]::Moved.rack` added (int)");
        let retyped = step("enum<Active, Moved: str>", "enum<Active, Moved: int>");
        assert_eq!(retyped.summary(), "field `status` changed: variant `Moved` held str, now holds int");
        let member = step("enum<Moved: {to: str}>", "enum<Moved: {to: int}>");
        assert_eq!(member.summary(), "field `status` changed: `Moved.to` str → int");

        let unit = step("enum<Active, Moved>", "enum<Active, Moved: str>");
        assert_eq!(unit.summary(), "field `status` changed: variant `Moved` now holds str");

        let mut with_default = status("enum<Active, Retired>");
        with_default.fields[1].default = Some(json!("Active"));
        let changes = diff(&status("enum<Active>"), &with_default, false);
        assert!(!changes[0].is_automatic(), "a default given as well is a decision");
    }

    #[test]
    fn renames_are_suggested_only_for_the_same_type_and_close_names() {
        let renamed = |old: &str, new: &str, ty_old: &str, ty_new: &str| {
            let changes = diff(&schema("t", vec![field(old, ty_old, None)]), &schema("t", vec![field(new, ty_new, None)]), false);
            !likely_renames(&changes).is_empty()
        };
        assert!(renamed("tunnel_key", "unique_key", "int", "int"), "a shared word");
        assert!(renamed("ofport", "port_num", "int?", "int?"), "a word inside a word");
        assert!(renamed("adress", "address", "str", "str"), "a typo fixed");
        assert!(!renamed("firmware_url", "serial_number", "str", "str"), "unrelated names");
        assert!(!renamed("tunnel_key", "unique_key", "int", "str"), "another type");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
