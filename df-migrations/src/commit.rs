//! Committing all-or-nothing, and recovering an interrupted commit.
//!
//! A store that applies any batch atomically (embedded, memory) gets one batch. Elsewhere
//! (Redis) the commit is staged:
//!
//! 1. every write is staged under a key with the same hash tag (`~df-stage~`), holding
//!    `S<value>` or `D`; nothing live changes;
//! 2. the commit record `{df_schema.}commit` is written, only if this runner still holds
//!    the lease (fencing). From here on the commit is decided;
//! 3. the staged writes are applied to the live keys, then the staging keys and the
//!    commit record are deleted.
//!
//! A crash before (2) leaves the old data and staging keys, which the next run deletes;
//! a crash after (2) leaves a commit record, and the next run applies the staged writes
//! again (they are idempotent) and cleans up. Either way, after the next run the data is
//! exactly the old or exactly the new state.

use crate::error::EngineError;
use crate::layout;
use crate::records::{self, Manifest};
use crate::snapshot::Snapshot;
use crate::store::{Op, Store};
use std::time::Duration;

/// This runner's lease.
#[derive(Debug, Clone)]
pub struct Lease {
    pub token: String,
    pub ttl: Duration,
}

fn encode(op: &Op) -> Vec<u8> {
    match op {
        Op::Set(_, value) => [b"S".as_slice(), value].concat(),
        Op::Delete(_) => b"D".to_vec(),
    }
}

fn decode(key: String, staged: &[u8]) -> Option<Op> {
    match staged.split_first() {
        Some((b'S', value)) => Some(Op::Set(key, value.to_vec())),
        Some((b'D', [])) => Some(Op::Delete(key)),
        _ => None,
    }
}

/// Applies `ops` all-or-nothing. `record` describes the commit for recovery.
pub fn commit(store: &mut dyn Store, lease: &Lease, ops: &[Op], record: &Manifest) -> Result<(), EngineError> {
    let lost = |store: &dyn Store| EngineError::LeaseLost { store: store.describe() };
    if store.atomic_batches() {
        if !store.renew_lease(&lease.token, lease.ttl)? {
            return Err(lost(store));
        }
        store.write(ops)?;
        return Ok(());
    }
    let staged: Vec<Op> = ops.iter().map(|op| Op::Set(layout::stage_raw(op.key()), encode(op))).collect();
    store.write(&staged)?;
    let record = serde_json::to_vec(record).expect("a manifest serializes");
    if !store.set_if_leased(&lease.token, &records::commit_key().encode(), &record)? {
        // Not decided: the staged keys are garbage that the next run removes.
        return Err(lost(store));
    }
    roll_forward(store, ops, staged.iter().map(|op| op.key().to_owned()))
}

fn roll_forward(store: &mut dyn Store, ops: &[Op], staged: impl Iterator<Item = String>) -> Result<(), EngineError> {
    store.write(ops)?;
    let mut cleanup: Vec<Op> = staged.map(Op::Delete).collect();
    cleanup.push(Op::Delete(records::commit_key().encode()));
    store.write(&cleanup)?;
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
    if snapshot.commit.is_some() {
        let mut ops = Vec::with_capacity(snapshot.staged.len());
        for (staged_key, value) in &snapshot.staged {
            let key = layout::unmark_raw(staged_key).unwrap_or_default();
            let op = decode(key, value).ok_or_else(|| EngineError::BadValue {
                store: store.describe(),
                key: staged_key.clone(),
                what: "a staged write",
                reason: "it is neither `S<value>` nor `D`".into(),
            })?;
            ops.push(op);
        }
        roll_forward(store, &ops, snapshot.staged.keys().cloned())?;
        Ok(Recovery::RolledForward)
    } else if !snapshot.staged.is_empty() {
        let cleanup: Vec<Op> = snapshot.staged.keys().cloned().map(Op::Delete).collect();
        store.write(&cleanup)?;
        Ok(Recovery::Discarded)
    } else {
        Ok(Recovery::Clean)
    }
}
