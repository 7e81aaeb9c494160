//! Whether code at two versions of a model can run side by side over the same data: the
//! compatibility of a version step, as a pure function of the two recorded schemas and of
//! what carries the step out.
//!
//! A step is judged in two directions, as Confluent's Schema Registry judges a schema
//! change (BACKWARD and FORWARD):
//!
//! - **new reads old**: code at the new version decodes an object stored at the old one;
//! - **old reads new**: code at the old version decodes an object stored at the new one.
//!
//! Decoding follows what the generated serde code does: a member the reader does not know
//! is ignored; a member the reader has and the object lacks takes the reader's recorded
//! default (an `Option` reads as `None`), and without one the object does not decode; a
//! member both have decodes when every value of the stored type is a value of the
//! reader's type (equal types, a wider integer, an enum with more variants, `T` read as
//! `T?`, an embedded object with more members; anywhere inside lists, maps and tuples).
//!
//! What carries the step out matters as much as the shapes:
//!
//! - an **automatic** step (fields added with defaults, variants added, the table
//!   renamed) changes nothing the shapes do not show;
//! - a **per-object migration** computes the new object from the old one. Reading an old
//!   object straight into the new type would skip that computation (a renamed field would
//!   read as its default), so new code cannot read old objects until the engine replays
//!   migrations as objects are read. Old code reads migrated objects as their shapes allow;
//! - a **whole-database migration** may change any object of any table, so neither
//!   version's code can run while it runs.
//!
//! A table rename is offline too: code at each version looks for the objects in its own
//! table. A step is **rolling** when both directions hold. Otherwise it is **offline**:
//! writers stop while it runs, and [`UpgradeFirst`] says which code can go on reading
//! around it. Rolling assumes a host that rewrites an object it read keeps the members it
//! does not know; the generated types decode such members but do not keep them, so a
//! rolling fleet must not rewrite objects with code older than the data.

use crate::diff::Change;
use crate::schema::{Field, VersionSchema};
use crate::ty::Ty;
use serde::Serialize;
use std::fmt;

/// What carries a version step out, as far as compatibility is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cover {
    /// The framework, by itself: recorded defaults filled in, a table renamed.
    Automatic,
    /// A hand-written migration of one object at a time (`fn(id, &mut Object)`).
    EachObject {
        /// The migration's id.
        migration: String,
    },
    /// A hand-written migration of the whole database (`fn(&mut NbApi)`), or a model's
    /// removal.
    WholeDatabase {
        /// The migration's id.
        migration: String,
    },
}

/// Which side must be upgraded first when a step cannot run rolling.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeFirst {
    /// New code reads old objects and old code cannot read new ones: replace the code of
    /// every host first (old hosts stopped), then run the step while the new hosts read.
    Code,
    /// Old code reads new objects and new code cannot read old ones: run the step first,
    /// with old hosts reading, then replace their code.
    Data,
    /// Neither version reads the other's objects: stop every host, run the step, start
    /// the new code.
    Together,
}

/// Whether a step can run while code at both of its versions runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollout {
    /// Code at the old and the new version can run side by side over the same data while
    /// the step runs.
    Rolling,
    /// Writers must stop while the step runs.
    Offline {
        /// Which side must be upgraded first.
        first: UpgradeFirst,
    },
}

/// Rolling or offline, as JSON documents name it.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutKind {
    /// See [`Rollout::Rolling`].
    Rolling,
    /// See [`Rollout::Offline`].
    Offline,
}

/// A [`Rollout`] as the members of a JSON document: `"compatibility"` and `"first"`.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RolloutFields {
    /// `"rolling"` when code at the step's old and new versions can run side by side over
    /// the same data during the step; `"offline"` when writers must stop.
    pub compatibility: RolloutKind,
    /// For an offline step, the side to upgrade first: `"code"`, `"data"` or
    /// `"together"`; `null` for a rolling one.
    pub first: Option<UpgradeFirst>,
}

impl From<Rollout> for RolloutFields {
    fn from(rollout: Rollout) -> RolloutFields {
        match rollout {
            Rollout::Rolling => RolloutFields { compatibility: RolloutKind::Rolling, first: None },
            Rollout::Offline { first } => RolloutFields { compatibility: RolloutKind::Offline, first: Some(first) },
        }
    }
}

impl fmt::Display for RolloutFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.compatibility, self.first) {
            (RolloutKind::Rolling, _) => Rollout::Rolling.fmt(f),
            (RolloutKind::Offline, Some(first)) => Rollout::Offline { first }.fmt(f),
            (RolloutKind::Offline, None) => f.write_str("offline"),
        }
    }
}

impl fmt::Display for Rollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rollout::Rolling => "rolling",
            Rollout::Offline { first: UpgradeFirst::Code } => "offline, code first",
            Rollout::Offline { first: UpgradeFirst::Data } => "offline, data first",
            Rollout::Offline { first: UpgradeFirst::Together } => "offline, all hosts stopped",
        })
    }
}

/// The compatibility of one step: why each direction fails, if it does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compatibility {
    /// Why code at the new version cannot read objects stored at the old one; empty when
    /// it can.
    pub new_reads_old: Vec<String>,
    /// Why code at the old version cannot read objects stored at the new one; empty when
    /// it can.
    pub old_reads_new: Vec<String>,
}

impl Compatibility {
    /// The compatibility of the step from `old` (version `from`) to `new` (version `to`)
    /// carried out by `cover`, by the rules of this module.
    pub fn of_step(old: &VersionSchema, new: &VersionSchema, versions: (u32, u32), cover: &Cover) -> Compatibility {
        Compatibility::of_shapes(old, new, versions).covered_by(cover, versions)
    }

    /// What the shapes alone allow between `old` (version `from`) and `new` (version
    /// `to`), any number of steps apart: the table and every field, as generated code
    /// decodes them.
    pub fn of_shapes(old: &VersionSchema, new: &VersionSchema, (from, to): (u32, u32)) -> Compatibility {
        let mut compat = Compatibility::default();
        if old.table != new.table {
            let reason = format!("the objects move from table `{}` to `{}`, and code at each version reads its own table", old.table, new.table);
            compat.new_reads_old.push(reason.clone());
            compat.old_reads_new.push(reason);
        }
        compat.new_reads_old.extend(unreadable(new, old, (to, from)));
        compat.old_reads_new.extend(unreadable(old, new, (from, to)));
        compat
    }

    /// The compatibility of a model's removal carried out by `cover`: new code does not
    /// read the model, and code that does finds its objects gone.
    pub fn of_removal(model: &str, cover: &Cover) -> Compatibility {
        let mut compat = Compatibility::default();
        compat.old_reads_new.push(format!("the step deletes every {model} object, which code before it reads"));
        compat.covered_by(cover, (0, 0))
    }

    /// Adds what `cover`, carrying out the step from version `from` to `to`, breaks.
    #[must_use]
    pub fn covered_by(mut self, cover: &Cover, (from, to): (u32, u32)) -> Compatibility {
        match cover {
            Cover::Automatic => {}
            Cover::EachObject { migration } => self.new_reads_old.push(format!(
                "migration `{migration}` computes each v{to} object from its v{from} object, and code at v{to} does not yet replay it on objects it reads"
            )),
            Cover::WholeDatabase { migration } => {
                let reason = format!("migration `{migration}` takes the whole database and may change any object of any table");
                self.new_reads_old.push(reason.clone());
                self.old_reads_new.push(reason);
            }
        }
        self
    }

    /// Rolling when both directions hold; otherwise which side goes first.
    pub fn rollout(&self) -> Rollout {
        match (self.new_reads_old.is_empty(), self.old_reads_new.is_empty()) {
            (true, true) => Rollout::Rolling,
            (true, false) => Rollout::Offline { first: UpgradeFirst::Code },
            (false, true) => Rollout::Offline { first: UpgradeFirst::Data },
            (false, false) => Rollout::Offline { first: UpgradeFirst::Together },
        }
    }

    /// Every reason, each prefixed by the direction it breaks.
    pub fn reasons(&self) -> Vec<String> {
        let new = self.new_reads_old.iter().map(|r| format!("new code cannot read old objects: {r}"));
        new.chain(self.old_reads_new.iter().map(|r| format!("old code cannot read new objects: {r}"))).collect()
    }
}

/// Why code with schema `reader` (version `versions.0`) cannot decode objects stored with
/// schema `stored` (version `versions.1`), one reason per field.
fn unreadable(reader: &VersionSchema, stored: &VersionSchema, (reads, written): (u32, u32)) -> Vec<String> {
    reader
        .fields
        .iter()
        .filter_map(|field| match stored.field(&field.name) {
            None if fills_absent(field) => None,
            None => Some(format!("v{written} objects lack field `{}`, which v{reads} requires and has no default for", field.name)),
            Some(was) if decodes_as(&was.full_ty(), &field.full_ty()) => None,
            Some(was) => {
                let (from, to) = if reads > written { (was, field) } else { (field, was) };
                let change = Change::Modified { from: from.clone(), to: to.clone() };
                Some(format!("{change}, and v{reads} cannot decode every v{written} value of it"))
            }
        })
        .collect()
}

/// Whether generated code fills an absent member of this field: with its recorded
/// default, or `None` for an `Option`.
fn fills_absent(field: &Field) -> bool {
    field.default.is_some() || field.nullable
}

/// Whether every value stored as `stored` decodes as `reader`, as generated serde code
/// decodes: unknown members of embedded objects are ignored, absent nullable ones read as
/// `None`.
pub fn decodes_as(stored: &Ty, reader: &Ty) -> bool {
    match (stored, reader) {
        (_, Ty::Json) => true,
        (Ty::Nullable(a), Ty::Nullable(b)) => decodes_as(a, b),
        (Ty::Nullable(_), _) => false,
        (a, Ty::Nullable(b)) => decodes_as(a, b),
        (Ty::Int(a), Ty::Int(b)) => a.widens_to(*b),
        (Ty::Int(width), Ty::Float) => !width.is_decimal_string(),
        (Ty::List(a), Ty::List(b)) | (Ty::Map(a), Ty::Map(b)) => decodes_as(a, b),
        (Ty::KeyedMap(ka, va), Ty::KeyedMap(kb, vb)) => decodes_as(ka, kb) && decodes_as(va, vb),
        (Ty::Tuple(a), Ty::Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| decodes_as(a, b)),
        (Ty::Object(a), Ty::Object(b)) => b.iter().all(|(name, wanted)| match a.iter().find(|(n, _)| n == name) {
            Some((_, held)) => decodes_as(held, wanted),
            None => matches!(wanted, Ty::Nullable(_)),
        }),
        (Ty::Enum(a), Ty::Enum(b)) => a.iter().all(|(name, data)| {
            b.iter().any(|(n, wanted)| {
                n == name
                    && match (data, wanted) {
                        (None, None) => true,
                        (Some(held), Some(wanted)) => decodes_as(held, wanted),
                        _ => false,
                    }
            })
        }),
        _ => stored == reader,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{field, schema};
    use serde_json::{json, Value};


    fn port(extra: Vec<Field>) -> VersionSchema {
        let mut fields = vec![field("id", "str", None)];
        fields.extend(extra);
        schema("lport", fields)
    }

    fn rollout(old: &VersionSchema, new: &VersionSchema, cover: &Cover) -> Rollout {
        Compatibility::of_step(old, new, (1, 2), cover).rollout()
    }

    fn each() -> Cover {
        Cover::EachObject { migration: "m".into() }
    }

    #[test]
    fn a_field_added_with_a_default_is_rolling() {
        let new = port(vec![field("binding_vnic_type", "str", Some(json!("normal")))]);
        assert_eq!(rollout(&port(vec![]), &new, &Cover::Automatic), Rollout::Rolling);
        let optional = port(vec![field("qos_policy", "str?", Some(Value::Null))]);
        assert_eq!(rollout(&port(vec![]), &optional, &Cover::Automatic), Rollout::Rolling);
    }

    #[test]
    fn a_field_added_without_a_default_lets_only_old_code_read_new_objects() {
        let new = port(vec![field("lswitch", "str", None)]);
        let compat = Compatibility::of_step(&port(vec![]), &new, (1, 2), &each());
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Data });
        assert_eq!(compat.new_reads_old[0], "v1 objects lack field `lswitch`, which v2 requires and has no default for");
        assert!(compat.old_reads_new.is_empty(), "old code ignores the member it does not know");
    }

    #[test]
    fn a_removed_field_lets_old_code_read_new_objects_only_with_a_default() {
        let required = port(vec![field("tunnel_key", "int", None)]);
        let compat = Compatibility::of_step(&required, &port(vec![]), (1, 2), &each());
        assert_eq!(compat.old_reads_new, ["v2 objects lack field `tunnel_key`, which v1 requires and has no default for"]);
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Together }, "and the migration is not replayed on reads");
        let optional = port(vec![field("ofport", "int?", Some(Value::Null))]);
        assert!(Compatibility::of_step(&optional, &port(vec![]), (1, 2), &each()).old_reads_new.is_empty());
    }

    #[test]
    fn a_shape_that_allows_both_directions_is_still_offline_under_a_per_object_migration() {
        let compat = Compatibility::of_step(&port(vec![]), &port(vec![]), (3, 4), &each());
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Data });
        assert!(compat.new_reads_old[0].contains("code at v4 does not yet replay it"), "{:?}", compat.new_reads_old);
    }

    #[test]
    fn a_widened_enum_is_read_by_new_code_only() {
        let old = port(vec![field("status", "enum<Active, Retired>", None)]);
        let new = port(vec![field("status", "enum<Active, Maintenance, Retired>", None)]);
        let compat = Compatibility::of_step(&old, &new, (1, 2), &Cover::Automatic);
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Code });
        assert_eq!(
            compat.old_reads_new,
            ["field `status` changed: variant `Maintenance` added, and v1 cannot decode every v2 value of it"]
        );
    }

    #[test]
    fn retypes_break_both_directions_and_optionality_breaks_one() {
        let old = port(vec![field("protocol", "str?", None)]);
        let new = port(vec![field("protocol", "int?", None)]);
        assert_eq!(rollout(&old, &new, &Cover::Automatic), Rollout::Offline { first: UpgradeFirst::Together });
        let required = port(vec![field("name", "str", None)]);
        let optional = port(vec![field("name", "str?", None)]);
        assert_eq!(rollout(&required, &optional, &Cover::Automatic), Rollout::Offline { first: UpgradeFirst::Code });
        assert_eq!(rollout(&optional, &required, &Cover::Automatic), Rollout::Offline { first: UpgradeFirst::Data });
        let narrow = port(vec![field("n", "u8", None)]);
        let wide = port(vec![field("n", "u32", None)]);
        assert_eq!(rollout(&narrow, &wide, &Cover::Automatic), Rollout::Offline { first: UpgradeFirst::Code });
    }

    #[test]
    fn a_changed_default_alone_keeps_both_directions() {
        let old = port(vec![field("type", "str?", Some(Value::Null))]);
        let new = port(vec![field("type", "str?", Some(json!("compute")))]);
        let compat = Compatibility::of_step(&old, &new, (1, 2), &Cover::Automatic);
        assert_eq!(compat, Compatibility::default());
    }

    #[test]
    fn table_renames_and_whole_database_migrations_are_offline_for_everyone() {
        let renamed = schema("switch_port", vec![field("id", "str", None)]);
        let compat = Compatibility::of_step(&port(vec![]), &renamed, (1, 2), &Cover::Automatic);
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Together });
        assert!(compat.new_reads_old[0].contains("from table `lport` to `switch_port`"));
        let whole = Cover::WholeDatabase { migration: "fill".into() };
        let compat = Compatibility::of_step(&port(vec![]), &port(vec![]), (1, 2), &whole);
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Together });
        assert_eq!(compat.reasons().len(), 2);
        assert!(compat.reasons()[1].starts_with("old code cannot read new objects: migration `fill` takes the whole database"));
    }

    #[test]
    fn removing_a_model_upgrades_code_first() {
        let compat = Compatibility::of_removal("Chassis", &Cover::Automatic);
        assert_eq!(compat.rollout(), Rollout::Offline { first: UpgradeFirst::Code });
        assert_eq!(compat.old_reads_new, ["the step deletes every Chassis object, which code before it reads"]);
        let whole = Compatibility::of_removal("Chassis", &Cover::WholeDatabase { migration: "drop-chassis".into() });
        assert_eq!(whole.rollout(), Rollout::Offline { first: UpgradeFirst::Together });
    }

    #[test]
    fn embedded_values_decode_by_the_generated_rules() {
        let ty = |text: &str| text.parse::<Ty>().unwrap();
        assert!(decodes_as(&ty("{a: str, b: int}"), &ty("{a: str}")), "unknown members are ignored");
        assert!(decodes_as(&ty("{a: str}"), &ty("{a: str, b: int?}")), "an absent Option reads as None");
        assert!(!decodes_as(&ty("{a: str}"), &ty("{a: str, b: int}")), "an absent required member");
        assert!(decodes_as(&ty("[i32]"), &ty("[i64]?")));
        assert!(!decodes_as(&ty("[i64]"), &ty("[i32]")));
        assert!(decodes_as(&ty("i64"), &ty("float")) && !decodes_as(&ty("u128"), &ty("float")));
        assert!(decodes_as(&ty("map<u8, str>"), &ty("map<u16, str?>")));
        assert!(decodes_as(&ty("(str, u8)"), &ty("(str, u16)")) && !decodes_as(&ty("(str, u8)"), &ty("(str, u8, u8)")));
        assert!(decodes_as(&ty("enum<A, B: {x: str, y: int}>"), &ty("enum<A, B: {x: str}, C>")));
        assert!(!decodes_as(&ty("enum<A, B: str>"), &ty("enum<A, B>")));
        assert!(decodes_as(&ty("{x: [int]}"), &ty("json")));
    }

    #[test]
    fn rollouts_serialize_as_the_plan_documents_them() {
        let fields = |rollout: Rollout| serde_json::to_value(RolloutFields::from(rollout)).unwrap();
        assert_eq!(fields(Rollout::Rolling), json!({"compatibility": "rolling", "first": null}));
        let offline = Rollout::Offline { first: UpgradeFirst::Code };
        assert_eq!(fields(offline), json!({"compatibility": "offline", "first": "code"}));
        assert_eq!(offline.to_string(), "offline, code first");
    }
}
