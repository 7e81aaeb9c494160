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
//! - `{df_schema.}run/<seq>`: one [`Run`] per committed upgrade, rollback, baseline,
//!   import and prune, numbered in order: the audit trail `history` shows (who ran it,
//!   when, for how long, what it did, whether it was rolled back). An upgrade's run also
//!   names its pre-upgrade image while it is kept (see `crate::image`) and the digest of
//!   the data it left, so that rollback can restore exactly and can tell whether anything
//!   was written since. Runs are bookkeeping: no image holds them and no rollback
//!   restores them, so a rolled-back upgrade stays in the trail.
//! - `{df_schema.}backup`: the last upgrade's manifest, as df-schema before runs kept it;
//!   read as a run, and deleted by the next commit.
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

/// `{df_schema.}backup`, the last upgrade's manifest as df-schema before runs kept it.
pub fn backup_key() -> Key {
    Key::object(ENGINE_TABLE, "", "backup")
}

/// The prefix of the ids of run records.
pub const RUN_PREFIX: &str = "run/";

/// The stored prefix of every run record's key.
pub fn run_keys() -> String {
    Key::object(ENGINE_TABLE, "", RUN_PREFIX).encode()
}

/// `{df_schema.}run/<seq>`, the record of run `seq` (zero-padded, so that keys sort as
/// runs do).
pub fn run_key(seq: u64) -> Key {
    Key::object(ENGINE_TABLE, "", &format!("{RUN_PREFIX}{seq:010}"))
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
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
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
    /// Deleted the images of older upgrades.
    Prune,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Upgrade => "upgrade",
            Action::Rollback => "rollback",
            Action::Baseline => "baseline",
            Action::Import => "import",
            Action::Prune => "prune",
        })
    }
}

/// One committed run, as the audit trail keeps it (`{df_schema.}run/<seq>`).
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Its number: runs are numbered from 1 in the order they committed.
    pub seq: u64,
    /// Its commit id (when it started, and its lease token).
    pub id: String,
    /// What it did.
    pub action: Action,
    /// The host it ran on.
    pub host: String,
    /// The user it ran as (`USER`, `LOGNAME` or `USERNAME`; `unknown` without them).
    pub user: String,
    /// When it started, RFC 3339, UTC.
    pub started_at: String,
    /// How long it took from its start to its commit, in seconds.
    pub seconds: f64,
    /// The steps it applied (an upgrade), or the migrations whose changed code it accepted.
    #[serde(default)]
    pub steps: Vec<String>,
    /// The releases of those steps, in order, each once.
    #[serde(default)]
    pub releases: Vec<String>,
    /// An upgrade's pre-upgrade image, while it is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRef>,
    /// How many objects an upgrade left.
    #[serde(default)]
    pub objects: usize,
    /// The digest of the data an upgrade left (see `crate::writes::digest`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// The rollback that undid this upgrade, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back: Option<RolledBack>,
    /// The upgrades a rollback undid, or those a prune deleted the images of, by `seq`,
    /// newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undid: Vec<u64>,
}

/// Which rollback undid an upgrade, and when.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolledBack {
    /// The rollback's `seq`.
    pub by: u64,
    /// When it started, RFC 3339, UTC.
    pub at: String,
}

impl Run {
    /// A run of this process starting now (at `started_at`), numbered after `previous`.
    pub fn new(previous: &[Run], id: String, action: Action, started_at: String) -> Run {
        let user = ["USER", "LOGNAME", "USERNAME"].iter().find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
        Run {
            seq: previous.iter().map(|run| run.seq).max().unwrap_or(0) + 1,
            id,
            action,
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            user: user.unwrap_or_else(|| "unknown".to_owned()),
            started_at,
            ..Run::default()
        }
    }

    /// The run that a `{df_schema.}backup` manifest, as df-schema kept it before run
    /// records, stands for: run 0, an upgrade, whose id starts with when it started.
    pub fn from_legacy(manifest: Manifest) -> Run {
        let started_at = manifest.id.split('/').next().unwrap_or_default().to_owned();
        Run { seq: 0, id: manifest.id, started_at, image: manifest.image, digest: manifest.digest, ..Run::default() }
    }

    /// The write of this record.
    pub fn op(&self) -> crate::store::Op {
        crate::store::Op::Set(run_key(self.seq).encode(), serde_json::to_vec(self).expect("a run serializes"))
    }
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
    /// The pre-upgrade image of a commit written in place (see `crate::commit`): until the
    /// intent is deleted, the data may be part-way between the old and the new state, and
    /// recovery restores it from this image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<ImageRef>,
}

/// Where a pre-upgrade image is, and how much it holds (see `crate::image`).
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// The commit tag in its chunks' keys.
    pub tag: String,
    /// How many chunk keys it has.
    pub chunks: usize,
    /// Keys (with their values) in all chunks together.
    pub entries: usize,
    /// The bytes of its chunks together (0 in images written before it was recorded).
    #[serde(default)]
    pub bytes: u64,
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
