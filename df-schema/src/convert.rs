//! Objects between the recorded versions of a model, in memory, so that code at the head
//! version can read what older code stored and write what older code reads.
//!
//! Going up from a recorded version replays what the engine's upgrade would do to the
//! one object: each automatic step fills its recorded defaults into members the object
//! lacks, each per-object `#[migration]` runs on it. Going down undoes each step: an
//! automatic one by dropping the members it added, a per-object migration by its `down`
//! function (`#[migration(…, down = f)]`); the object must then hold only values the
//! older version reads (a widened integer or a new enum variant may not fit). A
//! whole-database migration cannot be replayed on one object, nor a per-object migration
//! without `down` undone: the conversion then refuses, naming the migration.
//!
//! ```
//! use df_schema::{convert, df_model};
//!
//! /// Recorded in df-schema's own `df-schema.lock`: v1 had `id` and `text`, v2 added
//! /// `pinned` with a default.
//! #[df_model(version = 2)]
//! #[derive(Debug, PartialEq)]
//! pub struct Memo {
//!     /// The key.
//!     pub id: String,
//!     /// What it says.
//!     pub text: String,
//!     /// Shown first.
//!     #[df(default = false)]
//!     pub pinned: bool,
//! }
//!
//! // An object stored by v1 code reads as the head type...
//! let memo: Memo = convert::decode_at(br#"{"id":"m1","text":"hi"}"#, 1)?;
//! assert_eq!(memo, Memo { id: "m1".into(), text: "hi".into(), pinned: false });
//! // ...and head code writes it back in the shape v1 code reads.
//! assert_eq!(convert::encode_at(&memo, 1)?, br#"{"id":"m1","text":"hi"}"#);
//! # Ok::<(), convert::ConvertError>(())
//! ```

use crate::registry::{self, MigrationEntry, MigrationFn};
use crate::{fields, MigrationError, Model, Object};
use df_schema_core::{ModelHistory, VersionSchema};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Why an object could not be converted between two versions of its model.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The version is not one the lock records for the model.
    #[error("{model} has no recorded version {version}: this build records v{first} to v{head}")]
    NoVersion {
        /// The model.
        model: String,
        /// The version asked for.
        version: u32,
        /// The first recorded version.
        first: u32,
        /// The head version.
        head: u32,
    },
    /// A whole-database migration carries out a step on the way.
    #[error(
        "{model} v{} → v{to} is migration `{migration}`, which takes the whole database: one object cannot be converted through it. \
         Convert objects stored at v{to} or later, or write the step as a per-object migration (`fn(id: &str, object: &mut Object)`)",
        to - 1
    )]
    WholeDatabase {
        /// The model.
        model: String,
        /// The version the step reaches.
        to: u32,
        /// The migration's id.
        migration: String,
    },
    /// A per-object migration without a `down` function carries out a step that would
    /// have to be undone.
    #[error(
        "{model} v{to} objects cannot be written as v{}: migration `{migration}` computes them and has no `down`. \
         Add `down = <fn(id: &str, object: &mut Object)>` to its #[migration(…)] to undo it",
        to - 1
    )]
    NoWayDown {
        /// The model.
        model: String,
        /// The version the step reaches.
        to: u32,
        /// The migration's id.
        migration: String,
    },
    /// A per-object migration, or its `down` function, refused the object.
    #[error("migration `{migration}` refused {model} object `{id}`: {error}")]
    Migration {
        /// The model.
        model: String,
        /// The object's id.
        id: String,
        /// The migration's id.
        migration: String,
        /// What it said.
        error: Box<MigrationError>,
    },
    /// Once the automatic steps were undone, the object holds a value the older version
    /// does not read.
    #[error("{model} object `{id}` cannot be written as v{version}: member `{member}` holds a value v{version} does not read")]
    Unreadable {
        /// The model.
        model: String,
        /// The object's id.
        id: String,
        /// The version asked for.
        version: u32,
        /// The member.
        member: String,
    },
    /// The JSON is not an object of the model.
    #[error("{model} object stored at v{version} does not decode: {reason}")]
    Json {
        /// The model.
        model: String,
        /// The version it was stored at.
        version: u32,
        /// What the decoder said.
        reason: String,
    },
}

/// Replays the steps of model `model` (with recorded versions `history`) from version
/// `from` up to version `to` on the object with `id`, as the engine's upgrade would.
pub fn upgrade(model: &str, history: &ModelHistory, (from, to): (u32, u32), id: &str, object: &mut Object) -> Result<(), ConvertError> {
    recorded(model, history, from)?;
    for step in (from + 1)..=recorded(model, history, to)? {
        match step_migration(model, step) {
            Some(MigrationEntry { run: MigrationFn::Each(f), id: migration, .. }) => f(id, object).map_err(|error| ConvertError::Migration {
                model: model.to_owned(),
                id: id.to_owned(),
                migration: (*migration).to_owned(),
                error: Box::new(error),
            })?,
            Some(MigrationEntry { run: MigrationFn::Whole(_), id: migration, .. }) => {
                return Err(ConvertError::WholeDatabase { model: model.to_owned(), to: step, migration: (*migration).to_owned() })
            }
            None => {
                let (old, new) = (schema(history, step - 1), schema(history, step));
                if let (Some(old), Some(new)) = (old, new) {
                    fields::fill_missing(object, &new.defaults_added_since(old));
                }
            }
        }
    }
    Ok(())
}

/// Undoes the steps of model `model` from version `from` down to version `to` on the
/// object with `id` (automatic ones, and per-object migrations with a `down` function),
/// then checks that version `to` reads every member left.
pub fn downgrade(model: &str, history: &ModelHistory, (from, to): (u32, u32), id: &str, object: &mut Object) -> Result<(), ConvertError> {
    recorded(model, history, from)?;
    let target = schema(history, recorded(model, history, to)?);
    for step in ((to + 1)..=from).rev() {
        if let Some(migration) = step_migration(model, step) {
            let failed = |error| ConvertError::Migration { model: model.to_owned(), id: id.to_owned(), migration: migration.id.to_owned(), error: Box::new(error) };
            match (migration.run, migration.down) {
                (MigrationFn::Each(_), Some(down)) => down(id, object).map_err(failed)?,
                (MigrationFn::Each(_), None) => return Err(ConvertError::NoWayDown { model: model.to_owned(), to: step, migration: migration.id.to_owned() }),
                (MigrationFn::Whole(_), _) => return Err(ConvertError::WholeDatabase { model: model.to_owned(), to: step, migration: migration.id.to_owned() }),
            }
            continue;
        }
        if let (Some(old), Some(new)) = (schema(history, step - 1), schema(history, step)) {
            for field in new.fields.iter().filter(|f| old.field(&f.name).is_none()) {
                object.remove(&field.name);
            }
        }
    }
    match target.and_then(|schema| unread_member(schema, object)) {
        None => Ok(()),
        Some(member) => Err(ConvertError::Unreadable { model: model.to_owned(), id: id.to_owned(), version: to, member }),
    }
}

/// Decodes `json`, an object of `M` stored at `version`, as the head type: the steps from
/// `version` to the head replayed on it first (see [`upgrade`]).
pub fn decode_at<M: Model>(json: &[u8], version: u32) -> Result<M, ConvertError> {
    let bad = |e: serde_json::Error| ConvertError::Json { model: M::NAME.to_owned(), version, reason: e.to_string() };
    let mut object: Object = serde_json::from_slice(json).map_err(bad)?;
    let id = object.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    upgrade(M::NAME, M::history(), (version, M::VERSION), &id, &mut object)?;
    serde_json::from_value(Value::Object(object)).map_err(bad)
}

/// Encodes `object` as the JSON code at `version` of `M` reads: the steps from `version`
/// to the head undone on it (see [`downgrade`]).
pub fn encode_at<M: Model>(object: &M, version: u32) -> Result<Vec<u8>, ConvertError> {
    let bad = |e: serde_json::Error| ConvertError::Json { model: M::NAME.to_owned(), version: M::VERSION, reason: e.to_string() };
    let Value::Object(mut members) = serde_json::to_value(object).map_err(bad)? else {
        return Err(ConvertError::Json { model: M::NAME.to_owned(), version: M::VERSION, reason: "it does not serialize as a JSON object".into() });
    };
    downgrade(M::NAME, M::history(), (M::VERSION, version), object.id(), &mut members)?;
    serde_json::to_vec(&members).map_err(bad)
}

/// `version` if the history records it.
fn recorded(model: &str, history: &ModelHistory, version: u32) -> Result<u32, ConvertError> {
    if history.versions.contains_key(&version) {
        return Ok(version);
    }
    let (first, head) = (history.versions.keys().next().copied().unwrap_or(0), history.versions.keys().next_back().copied().unwrap_or(0));
    Err(ConvertError::NoVersion { model: model.to_owned(), version, first, head })
}

fn schema(history: &ModelHistory, version: u32) -> Option<&VersionSchema> {
    history.versions.get(&version).map(|v| &v.schema)
}

/// The hand-written migration that carries out `model`'s step to `to`, among those linked
/// into this program.
fn step_migration(model: &str, to: u32) -> Option<&'static MigrationEntry> {
    static BY_STEP: OnceLock<BTreeMap<(&'static str, u32), &'static MigrationEntry>> = OnceLock::new();
    BY_STEP.get_or_init(|| registry::by_step(&registry::migrations())).get(&(model, to)).copied()
}

/// The first member of `object` that `schema` does not read, if there is one.
fn unread_member(schema: &VersionSchema, object: &Object) -> Option<String> {
    if let Some(extra) = object.keys().find(|name| schema.field(name).is_none()) {
        return Some(extra.clone());
    }
    schema.fields.iter().find(|field| object.get(&field.name).is_some_and(|value| !field.full_ty().accepts(value))).map(|field| field.name.clone())
}
