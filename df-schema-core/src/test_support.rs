//! Builders the unit tests of this crate share, so that every test writes a schema the
//! way the lock file does: a type in the lock's notation, `?` for a nullable field.

use crate::schema::{Field, VersionSchema};
use serde_json::Value;

/// A field whose type is written in the lock's notation; a trailing `?` makes it nullable.
pub(crate) fn field(name: &str, ty: &str, default: Option<Value>) -> Field {
    let (ty, nullable) = match ty.strip_suffix('?') {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    Field { name: name.into(), ty: ty.parse().expect("a test writes a valid type"), nullable, default }
}

/// A version of a model stored in `table`, with no release.
pub(crate) fn schema(table: &str, fields: Vec<Field>) -> VersionSchema {
    VersionSchema::new(table.into(), None, fields)
}
