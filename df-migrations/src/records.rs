//! What the engine keeps in the database besides the data, and why.
//!
//! - `schema_migration` (Dragonflow's SchemaMigrationLog): one object per applied step,
//!   `{"id","release","description","proposed_at","applied_at"}`, automatic steps and the
//!   baseline stamp included.
//! - `{df_schema.}state`: each model's version and fingerprint, and each applied
//!   hand-written migration's checksum (and whether a changed checksum was accepted):
//!   what planning reads, without reading every object.
//! - `{df_schema.}commit`: present only while a commit is staged (see `crate::commit`); once written,
//!   the upgrade is decided and the next run rolls it forward.
//! - `{df_schema.}intent`: present from before a commit writes anything that its one
//!   fenced batch does not (an upgrade's pre-upgrade image, a staged commit's staging
//!   keys) until the commit is complete or discarded. With the commit record, it is how
//!   `status` tells, from records alone, what `recover` would do (see
//!   `crate::commit::Interrupted`).
//! - `{df_schema.}backup`: the last upgrade's manifest: its id, where its pre-upgrade
//!   image is (see `crate::image`), and the digest of the data it left, so that rollback
//!   can restore exactly and can tell whether anything was written since.
//! - `{df_schema.}lease`: the upgrade lease of stores that expire it (Redis).

use crate::layout::{Key, ENGINE_TABLE, LOG_TABLE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `{df_schema.}state`, the record planning reads.
pub fn state_key() -> Key {
    Key::object(ENGINE_TABLE, "", "state")
}

/// `{df_schema.}commit`, present while a staged commit is decided but not rolled forward.
pub fn commit_key() -> Key {
    Key::object(ENGINE_TABLE, "", "commit")
}

/// `{df_schema.}intent`, present while a commit may have left keys to clean up.
pub fn intent_key() -> Key {
    Key::object(ENGINE_TABLE, "", "intent")
}

/// `{df_schema.}backup`, the last upgrade's manifest, which rollback reads.
pub fn backup_key() -> Key {
    Key::object(ENGINE_TABLE, "", "backup")
}

/// The lease key of stores that keep it as a key (Redis).
pub fn lease_key() -> String {
    Key::object(ENGINE_TABLE, "", "lease").encode()
}

/// The migration log row of step `id`.
pub fn log_key(id: &str) -> Key {
    Key::object(LOG_TABLE, "", id)
}

/// Whether a live key (as stored) is one of the engine's bookkeeping records, which are
/// neither data nor part of an upgrade's image. A prefix test, not a parse: it runs on
/// every key of a commit.
pub fn is_bookkeeping(raw: &str) -> bool {
    let engine = raw.strip_prefix('{').and_then(|rest| rest.strip_prefix(ENGINE_TABLE)).and_then(|rest| rest.strip_prefix('.'));
    engine.and_then(|rest| rest.split_once('}')).is_some_and(|(_, id)| id != "state")
}

/// `{df_schema.}state`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    /// The key layout the database was written in (`KeyLayout::label`); absent in states
    /// written before layouts existed, which were Dragonflow's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// Each model's version and that version's fingerprint, by model name.
    pub models: BTreeMap<String, ModelState>,
    /// Every applied step, by id.
    pub applied: BTreeMap<String, AppliedState>,
}

/// A model as the database has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelState {
    /// The version its objects are at.
    pub version: u32,
    /// That version's fingerprint when it was applied, to notice a re-recorded history.
    pub fingerprint: String,
}

/// An applied step as the engine recorded it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppliedState {
    /// A hand-written migration's checksum when it was applied (or last accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// One row of the migration log.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRow {
    /// The step's id: a migration's, `auto/<Model>/v<N>` or `baseline/<release>`.
    pub id: String,
    /// The release the step belongs to (empty when none is recorded).
    pub release: String,
    /// What the step did.
    pub description: String,
    /// When the migration was proposed (a framework step: when it was applied), RFC 3339.
    pub proposed_at: String,
    /// When the step was applied, RFC 3339.
    pub applied_at: String,
}

/// What a commit did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Applied an upgrade's steps.
    #[default]
    Upgrade,
    /// Restored the state before the last upgrade.
    Rollback,
    /// Stamped a database that predates df-schema.
    Baseline,
    /// Wrote an export into a database.
    Import,
}

/// `{df_schema.}backup`, and the content of `{df_schema.}commit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// What the commit did.
    pub action: Action,
    /// An upgrade's pre-upgrade image, which rollback restores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// The commit tag of the staging keys this commit decided (see `crate::layout`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stage: String,
    /// An id for the commit (its start time and lease token).
    pub id: String,
    /// Digest of the data after the commit (see `crate::writes::digest`), so that
    /// rollback can tell whether anything was written since.
    pub digest: String,
}

/// `{df_schema.}intent`: who started a commit, when, and the tag of the keys it writes
/// (its image's chunks, its staging keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// The commit tag (see `crate::layout`).
    pub tag: String,
    /// The runner, as the lease's holder record names it.
    pub who: String,
    /// When the commit started, RFC 3339.
    pub since: String,
}

/// Where a pre-upgrade image is, and how much it holds (see `crate::image`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// The commit tag in its chunks' keys.
    pub tag: String,
    /// How many chunk keys it has.
    pub chunks: usize,
    /// Keys (with their values) in all chunks together.
    pub entries: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_is_the_engine_tables_records_but_its_state() {
        for key in [commit_key(), intent_key(), backup_key()] {
            assert!(is_bookkeeping(&key.encode()), "{key}");
        }
        assert!(is_bookkeeping(&lease_key()));
        for key in [state_key(), log_key("lport-v2"), Key::object("lport", "t1", "commit"), Key::object("df_schemas", "", "x"), Key::counter("df_schema")] {
            assert!(!is_bookkeeping(&key.encode()), "{key}");
        }
    }

    #[test]
    fn actions_are_stored_as_lowercase_words() {
        let manifest = Manifest { action: Action::Rollback, ..Manifest::default() };
        let json = serde_json::to_value(&manifest).unwrap();
        assert_eq!(json["action"], "rollback");
        assert_eq!(serde_json::from_value::<Manifest>(json).unwrap(), manifest);
    }
}
