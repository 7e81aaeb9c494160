//! A model version's schema as plain data: what the macro reads off a struct, what the
//! lock records, and what the runtime replays.

use crate::ty::Ty;
use serde_json::Value;

/// One stored field of a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The JSON member name.
    pub name: String,
    /// The shape of a non-null value.
    pub ty: Ty,
    /// Whether the value may be `null` (an `Option`).
    pub nullable: bool,
    /// The JSON value used when the member is absent. `Option` fields default to `null`
    /// unless they name another default.
    pub default: Option<Value>,
}

impl Field {
    /// The field's full type, nullability included (`str?`).
    pub fn full_ty(&self) -> Ty {
        if self.nullable {
            self.ty.clone().nullable()
        } else {
            self.ty.clone()
        }
    }

    /// `chassis: str?` or `binding_vnic_type: str = "normal"`, the way messages show a field.
    pub fn describe(&self) -> String {
        match &self.default {
            Some(default) => format!("{}: {} = {}", self.name, self.full_ty(), crate::canonical_json(default)),
            None => format!("{}: {}", self.name, self.full_ty()),
        }
    }
}

/// What one version of a model looks like: the table it lives in and its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionSchema {
    /// The table its objects are stored in.
    pub table: String,
    /// A release label such as `"4.0"`, recorded with the version.
    pub release: Option<String>,
    /// Sorted by name.
    pub fields: Vec<Field>,
}

impl VersionSchema {
    /// A schema with `fields` sorted by name.
    pub fn new(table: String, release: Option<String>, mut fields: Vec<Field>) -> VersionSchema {
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        VersionSchema { table, release, fields }
    }

    /// The fingerprint of the fields (see [`fingerprint()`](crate::fingerprint())); the
    /// table and the release label are not part of it.
    pub fn fingerprint(&self) -> String {
        crate::fingerprint(&self.fields)
    }

    /// The field stored as `name`, if the version has one.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether the model partitions its objects by a `topic` member.
    pub fn has_topic(&self) -> bool {
        self.field("topic").is_some()
    }

    /// Whether `self`, read off a declaration, is `recorded` with integer widths filled in
    /// where `recorded` says `int` (see [`Ty::fills_widths_of`]).
    pub fn fills_widths_of(&self, recorded: &VersionSchema) -> bool {
        self.table == recorded.table
            && self.release == recorded.release
            && self.fields.len() == recorded.fields.len()
            && self.fields.iter().zip(&recorded.fields).all(|(a, b)| {
                a.name == b.name && a.nullable == b.nullable && a.default == b.default && a.ty.fills_widths_of(&b.ty)
            })
    }

    /// The fields `self` has and `old` does not, with the defaults recorded for them:
    /// what an automatic step from `old` to `self` fills into every object that lacks
    /// them (a field added without a default has none to fill).
    pub fn defaults_added_since(&self, old: &VersionSchema) -> Vec<(&str, &serde_json::Value)> {
        self.fields.iter().filter(|f| old.field(&f.name).is_none()).filter_map(|f| Some((f.name.as_str(), f.default.as_ref()?))).collect()
    }

    /// The fields as an embedded-object type, for checking a stored object's shape.
    pub fn object_ty(&self) -> Ty {
        Ty::object(self.fields.iter().map(|f| (f.name.clone(), f.full_ty())).collect())
    }
}
