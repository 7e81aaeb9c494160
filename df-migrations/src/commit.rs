//! Committing all-or-nothing, and recovering an interrupted commit.
//!
//! First the commit offers the store one batch, fenced by the lease
//! ([`Store::write_if_leased`]): the writes, each first copying the value it overwrites or
//! deletes to its key's `~df-backup~` when the commit keeps backups. The embedded
//! store and the memory store apply it in one transaction, a Redis server as one
//! `MULTI`/`EXEC`. A store that declines it (a Redis Cluster, whose transactions stay
//! within one hash slot; a server too old, or a batch too long to queue under the lease)
//! gets the commit staged:
//!
//! 1. every new value is written under its key's `~df-stage~` twin, and every key to
//!    delete gets a `~df-drop~` mark (same hash tag), both tagged with this commit (from
//!    the lease token); nothing live changes;
//! 2. the commit record `{df_schema.}commit`, naming the tag, is written only if this
//!    runner still holds the lease (fencing). From here on the commit is decided;
//! 3. roll forward, key by key: copy the live value to its backup (when kept), then rename
//!    the staged value over the live key, or delete the live key and its mark; last, the
//!    commit record is deleted.
//!
//! Step 3 moves no values through the engine (the store copies and renames), and each
//! key's part of it can be repeated: until the rename or delete, the live key still holds
//! its old value, so copying it again keeps the same backup; after, the staging key or
//! mark is gone and the key is not touched again. A crash before (2) leaves the old data
//! and staging keys, which the next run deletes; a crash after (2) leaves a commit record,
//! and the next run rolls the remaining staging keys of its tag forward and deletes any
//! others. Either way, after the next run the data is exactly the old or exactly the new
//! state. The tag matters when a runner stalls after renewing its lease and staging
//! resumes once another runner has taken over: its late writes land on keys of its own
//! tag, which no decided commit renames into place.

use crate::error::EngineError;
use crate::layout::{self, Slot};
use crate::records::{self, Manifest};
use crate::snapshot::Snapshot;
use crate::store::{backup_key, Fenced, KeepBackups, Op, Store, StoreError};
use std::time::Duration;

/// This runner's lease.
#[derive(Debug, Clone)]
pub struct Lease {
    pub token: String,
    pub ttl: Duration,
}

/// How a commit was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// In one batch, fenced by the lease.
    Fenced,
    /// Staged, because the store declined the one batch for the reason given.
    Staged { declined: String },
}

impl Committed {
    /// Why the store declined the one batch, if it did.
    pub fn declined(self) -> Option<String> {
        match self {
            Committed::Fenced => None,
            Committed::Staged { declined } => Some(declined),
        }
    }
}

/// Applies `writes` (sets and deletes) all-or-nothing. `record` describes the commit for
/// recovery and says whether it keeps backups.
pub fn commit(store: &mut dyn Store, lease: &Lease, writes: Vec<Op>, record: &Manifest) -> Result<Committed, EngineError> {
    let lost = |store: &dyn Store| EngineError::LeaseLost { store: store.describe() };
    // A full lease for the writes: a transaction queued under it must end before it does.
    if !store.renew_lease(&lease.token, lease.ttl)? {
        return Err(lost(store));
    }
    let backups = if record.keeps_backup { KeepBackups::Yes } else { KeepBackups::No };
    let declined = match store.write_if_leased(&lease.token, &writes, backups)? {
        Fenced::Written => return Ok(Committed::Fenced),
        Fenced::LeaseLost => return Err(lost(store)),
        Fenced::Declined(reason) => reason,
    };
    // Staging keeps no backups up front: the roll-forward copies them.
    if !store.renew_lease(&lease.token, lease.ttl)? {
        return Err(lost(store));
    }
    // The lease token is random and unique per runner: its first half tags the keys.
    let tag = lease.token.chars().take(16).collect::<String>();
    let mut staged = Vec::with_capacity(writes.len());
    let mut marks = Vec::with_capacity(writes.len());
    for op in writes {
        match op {
            Op::Set(key, value) => {
                let stage = layout::stage_raw(&key, &tag);
                staged.push(Op::Set(stage.clone(), value));
                marks.push(stage);
            }
            Op::Delete(key) => {
                let mark = layout::drop_raw(&key, &tag);
                staged.push(Op::Set(mark.clone(), Vec::new()));
                marks.push(mark);
            }
            other => {
                let message = "a staged commit takes sets and deletes only".to_owned();
                return Err(StoreError::Key { store: store.describe(), key: other.key().to_owned(), message }.into());
            }
        }
    }
    store.write(&staged)?;
    drop(staged);
    let content = serde_json::to_vec(&Manifest { stage: tag, ..record.clone() }).expect("a manifest serializes");
    let commit_key = records::commit_key().encode();
    match store.write_if_leased(&lease.token, &[Op::Set(commit_key.clone(), content)], KeepBackups::No)? {
        Fenced::Written => {}
        // Not decided: the staging keys are garbage that the next run removes.
        Fenced::LeaseLost => return Err(lost(store)),
        Fenced::Declined(message) => return Err(StoreError::Key { store: store.describe(), key: commit_key, message }.into()),
    }
    roll_forward(store, &marks, record.keeps_backup)?;
    Ok(Committed::Staged { declined })
}

/// The `Copy` that keeps the live `key`'s pre-commit value, unless it is a bookkeeping
/// record.
fn backup(key: &str) -> Option<Op> {
    backup_key(key).map(|to| Op::Copy { from: key.to_owned(), to })
}

/// Applies staging keys and drop marks (step 3 of the module documentation).
fn roll_forward(store: &mut dyn Store, marks: &[String], keeps_backup: bool) -> Result<(), EngineError> {
    let mut ops = Vec::with_capacity(marks.len() * 2);
    for mark in marks {
        let Some(key) = layout::unmark_raw(mark) else { continue };
        if keeps_backup {
            ops.extend(backup(&key));
        }
        match layout::parse(mark.as_bytes()) {
            Ok(Slot::Dropped(_)) => {
                ops.push(Op::Delete(key));
                ops.push(Op::Delete(mark.clone()));
            }
            _ => ops.push(Op::Rename { from: mark.clone(), to: key }),
        }
    }
    store.write(&ops)?;
    // Only once every key is rolled forward: on a cluster, the writes of one batch to
    // different nodes may land in any order.
    store.write(&[Op::Delete(records::commit_key().encode())])?;
    Ok(())
}

/// What recovery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Nothing was interrupted.
    Clean,
    /// A decided commit was completed.
    RolledForward,
    /// An undecided commit's staging keys were removed.
    Discarded,
}

/// Completes or discards an interrupted commit found in `snapshot`. The caller holds the
/// lease and reads a new snapshot afterwards.
pub fn recover(store: &mut dyn Store, snapshot: &Snapshot) -> Result<Recovery, EngineError> {
    let decided = snapshot.commit.as_ref().map(|record| record.stage.as_str());
    let (ours, garbage): (Vec<String>, Vec<String>) =
        snapshot.staged.iter().cloned().partition(|mark| decided.is_some() && layout::commit_tag(mark) == decided);
    if !garbage.is_empty() {
        store.write(&garbage.into_iter().map(Op::Delete).collect::<Vec<_>>())?;
    }
    match &snapshot.commit {
        Some(record) => {
            roll_forward(store, &ours, record.keeps_backup)?;
            Ok(Recovery::RolledForward)
        }
        None if snapshot.staged.is_empty() => Ok(Recovery::Clean),
        None => Ok(Recovery::Discarded),
    }
}
