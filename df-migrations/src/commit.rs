//! Committing all-or-nothing, and recovering an interrupted commit.
//!
//! First the commit offers the store one batch, fenced by the lease
//! ([`Store::write_if_leased`]). The embedded store and the memory store apply it in one
//! transaction, a Redis server as one `MULTI`/`EXEC`. (What rollback needs is not part
//! of it: an upgrade wrote its pre-upgrade image before, see `crate::image`.) A store
//! that declines it (a Redis Cluster, whose transactions stay within one hash slot; a
//! server too old, or a batch too long to queue under the lease) gets the commit staged:
//!
//! 1. every new value is written under its key's `~df-stage~` twin, and every key to
//!    delete gets a `~df-drop~` mark (same hash tag), both tagged with this commit (from
//!    the lease token); nothing live changes;
//! 2. the commit record `{df_schema.}commit`, naming the tag, is written only if this
//!    runner still holds the lease (fencing). From here on the commit is decided;
//! 3. roll forward, key by key: rename the staged value over the live key, or delete the
//!    live key and its mark; last, the commit record is deleted.
//!
//! A store whose transactions are too small to stage in (etcd: 128 operations; staging
//! writes each key three times) writes an upgrade's commit **in place** instead
//! ([`Store::writes_in_place`]). The intent record first names the pre-upgrade image
//! (already written, see `crate::image`) as the commit's undo; then the writes go to the
//! live keys, in transactions of the store's size, each fenced by the lease; last, one
//! fenced batch writes the run records and deletes the intent: that batch decides the
//! commit. A crash before it leaves an intent naming an image, and the next run restores
//! every live key from that image (idempotent, so a crash during the restore is
//! harmless); after it, the commit is whole. Deleting the images that the new run
//! records no longer keep comes after the decision: left behind, they are garbage that
//! the next run deletes.
//!
//! Step 3 moves no values through the engine (the store renames), and each key's part of
//! it can be repeated: after the rename or delete, the staging key or mark is gone and the
//! key is not touched again. A crash before (2) leaves the old data and staging keys,
//! which the next run deletes; a crash after (2) leaves a commit record, and the next run
//! rolls the remaining staging keys of its tag forward and deletes any others. Either
//! way, after the next run the data is exactly the old or exactly the new state. The tag
//! matters when a runner stalls after renewing its lease and staging resumes once another
//! runner has taken over: its late writes land on keys of its own tag, which no decided
//! commit renames into place.

use crate::error::EngineError;
use crate::layout::{self, StoredKey};
use crate::lease::Lease;
use crate::image;
use crate::records::{self, Action, ImageRef, Manifest};
use crate::snapshot::Snapshot;
use crate::store::{Fenced, Op, Store, StoreError};

/// How a commit was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// In one batch, fenced by the lease.
    Fenced,
    /// Staged, because the store declined the one batch for the reason given.
    Staged { declined: String },
    /// Written in place, undone from the image if interrupted, because the store declined
    /// the one batch for the reason given.
    InPlace { declined: String },
}

impl Committed {
    /// Why the store declined the one batch, if it did.
    pub fn declined(self) -> Option<String> {
        match self {
            Committed::Fenced => None,
            Committed::Staged { declined } | Committed::InPlace { declined } => Some(declined),
        }
    }
}

/// Applies `writes` (sets and deletes) all-or-nothing. `record` describes the commit for
/// recovery.
pub fn commit(store: &mut dyn Store, lease: &Lease, writes: Vec<Op>, record: &Manifest) -> Result<Committed, EngineError> {
    let lost = |store: &dyn Store| EngineError::LeaseLost { store: store.describe() };
    // A full lease for the writes: a transaction queued under it must end before it does.
    if !store.renew_lease(&lease.token, lease.ttl)? {
        return Err(lost(store));
    }
    // The intent record of an upgrade that wrote its image goes with the commit's batch.
    let mut writes = writes;
    writes.push(Op::Delete(records::intent_key().encode()));
    let declined = match store.write_if_leased(&lease.token, &writes)? {
        Fenced::Written => return Ok(Committed::Fenced),
        Fenced::LeaseLost => return Err(lost(store)),
        Fenced::Declined(reason) => reason,
    };
    writes.pop();
    if !store.renew_lease(&lease.token, lease.ttl)? {
        return Err(lost(store));
    }
    if let Some(image) = record.image.as_ref().filter(|_| record.action == Action::Upgrade && store.writes_in_place()) {
        in_place(store, lease, writes, image)?;
        return Ok(Committed::InPlace { declined });
    }
    intend(store, lease)?;
    let tag = lease.tag();
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
            other @ Op::Rename { .. } => {
                let message = "a staged commit takes sets and deletes only".to_owned();
                return Err(StoreError::Key { store: store.describe(), key: other.key().to_owned(), message }.into());
            }
        }
    }
    store.write(&staged)?;
    drop(staged);
    let content = serde_json::to_vec(&Manifest { stage: tag, ..record.clone() }).expect("a manifest serializes");
    let commit_key = records::commit_key().encode();
    match store.write_if_leased(&lease.token, &[Op::Set(commit_key.clone(), content)])? {
        Fenced::Written => {}
        // Not decided: the staging keys are garbage that the next run removes.
        Fenced::LeaseLost => return Err(lost(store)),
        Fenced::Declined(message) => return Err(StoreError::Key { store: store.describe(), key: commit_key, message }.into()),
    }
    roll_forward(store, &marks)?;
    Ok(Committed::Staged { declined })
}

/// Writes `writes` in place, undone from `image` if interrupted (see the module
/// documentation).
fn in_place(store: &mut dyn Store, lease: &Lease, writes: Vec<Op>, image: &ImageRef) -> Result<(), EngineError> {
    let lost = |store: &dyn Store| EngineError::LeaseLost { store: store.describe() };
    let is_image = |op: &Op| matches!(layout::parse(op.key().as_bytes()), Ok(StoredKey::Image { .. }));
    let (after, writes): (Vec<Op>, Vec<Op>) = writes.into_iter().partition(is_image);
    let (mut decision, mut live): (Vec<Op>, Vec<Op>) = writes.into_iter().partition(|op| records::is_bookkeeping(op.key()));
    deletes_first(&mut live);
    let intent = records::Intent { undo: Some(image.clone()), ..lease.intent() };
    let intent = serde_json::to_vec(&intent).expect("an intent serializes");
    store.write(&[Op::Set(records::intent_key().encode(), intent)])?;
    let undone = "the next run (or `recover`) restores the state before the upgrade from its image";
    let written = match store.write_in_place(&lease.token, &live) {
        Ok(Fenced::Declined(message)) => Err(StoreError::Backend { store: store.describe(), message }),
        written => written,
    };
    match written {
        Ok(Fenced::LeaseLost) => return Err(lost(store)),
        Ok(_) => {}
        Err(StoreError::Key { store, key, message }) => return Err(StoreError::Key { store, key, message: format!("{message}; {undone}") }.into()),
        Err(StoreError::Backend { store, message }) => return Err(StoreError::Backend { store, message: format!("{message}; {undone}") }.into()),
        Err(error) => return Err(error.into()),
    }
    decision.push(Op::Delete(records::intent_key().encode()));
    match store.write_if_leased(&lease.token, &decision)? {
        Fenced::Written => {}
        Fenced::LeaseLost => return Err(lost(store)),
        Fenced::Declined(message) => {
            let message = format!("the run records that decide the commit do not fit one transaction ({message}); {undone}");
            return Err(StoreError::Key { store: store.describe(), key: records::intent_key().encode(), message }.into());
        }
    }
    if let Err(error) = store.write(&after) {
        tracing::warn!(error = %error, "the commit is made; deleting the images it no longer keeps failed, and the next run deletes them");
    }
    Ok(())
}

/// Puts the deletes of `ops` before its other writes, each group in its order: writes that
/// may stop part-way then never leave an object under two keys at once (its old topic's
/// and its new one's, in a layout that keeps the topic in the key), which no snapshot
/// reads, so that the recovery that must read one could not run.
fn deletes_first(ops: &mut [Op]) {
    ops.sort_by_key(|op| !matches!(op, Op::Delete(_)));
}

/// Applies staging keys and drop marks (step 3 of the module documentation).
fn roll_forward(store: &mut dyn Store, marks: &[String]) -> Result<(), EngineError> {
    let mut ops = Vec::with_capacity(marks.len() * 2);
    for mark in marks {
        let Some(key) = layout::unmark_raw(mark) else { continue };
        match layout::parse(mark.as_bytes()) {
            Ok(StoredKey::Dropped(_)) => {
                ops.push(Op::Delete(key));
                ops.push(Op::Delete(mark.clone()));
            }
            _ => ops.push(Op::Rename { from: mark.clone(), to: key }),
        }
    }
    store.write(&ops)?;
    // Only once every key is rolled forward: on a cluster, the writes of one batch to
    // different nodes may land in any order. The intent goes first: a commit record
    // without it still reads as decided, an intent without the record would not.
    store.write(&[Op::Delete(records::intent_key().encode()), Op::Delete(records::commit_key().encode())])?;
    Ok(())
}

/// Writes the intent record of a commit under `lease`, before the keys it may leave
/// behind (an image, staging keys).
pub fn intend(store: &mut dyn Store, lease: &Lease) -> Result<(), EngineError> {
    let intent = serde_json::to_vec(&lease.intent()).expect("an intent serializes");
    Ok(store.write(&[Op::Set(records::intent_key().encode(), intent)])?)
}

/// A commit that did not finish, as the engine's records tell it: the one definition that
/// `status` reports and [`recover`] acts on.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Interrupted {
    /// The commit record is written: recovery completes the commit.
    Decided,
    /// Only the intent record is: recovery discards what the commit wrote.
    Undecided,
}

impl Interrupted {
    /// From whether the commit record and the intent record are present.
    pub fn of(commit: bool, intent: bool) -> Option<Interrupted> {
        match (commit, intent) {
            (true, _) => Some(Interrupted::Decided),
            (false, true) => Some(Interrupted::Undecided),
            (false, false) => None,
        }
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Interrupted::Decided => "a decided commit was interrupted: `recover` (or the next upgrade or rollback) completes it",
            Interrupted::Undecided => "an undecided commit was interrupted: `recover` (or the next upgrade or rollback) discards it",
        })
    }
}

/// What recovery did, serialized in `snake_case` (`"rolled_forward"`) as the runner's JSON
/// reports it.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// Nothing was interrupted.
    Clean,
    /// A decided commit was completed.
    RolledForward,
    /// An undecided commit's staging keys or image were removed.
    Discarded,
    /// A commit written in place was interrupted: every live key was restored from its
    /// pre-upgrade image.
    Restored,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Recovery::Clean => "nothing was interrupted",
            Recovery::RolledForward => "completed an interrupted commit: the data is in its new state",
            Recovery::Discarded => "discarded an undecided commit: the data is in its old state",
            Recovery::Restored => "undid an interrupted commit from its pre-upgrade image: the data is in its old state",
        })
    }
}

/// Completes or discards an interrupted commit found in `snapshot` (see [`Interrupted`]),
/// and deletes the images that no manifest names and the staging keys no decided commit
/// does: what an undecided commit wrote, and what a runner wrote after its lease expired
/// and its intent was discarded. The caller holds the lease and reads a new snapshot
/// afterwards.
pub fn recover(store: &mut dyn Store, snapshot: &Snapshot) -> Result<Recovery, EngineError> {
    let decided = snapshot.original.commit.as_ref().map(|record| record.stage.as_str());
    let (ours, mut garbage): (Vec<String>, Vec<String>) =
        snapshot.original.staged.iter().cloned().partition(|mark| decided.is_some() && layout::commit_tag(mark) == decided);
    // The images runs keep, and the image of the commit being decided.
    let kept = snapshot.original.runs.iter().filter_map(|run| run.image.as_ref());
    let mut named_tags: std::collections::BTreeSet<&str> = kept.map(|image| image.tag.as_str()).collect();
    named_tags.extend(snapshot.original.commit.iter().filter_map(|record| record.image.as_ref()).map(|image| image.tag.as_str()));
    let undo = snapshot.original.intent.as_ref().and_then(|intent| intent.undo.as_ref());
    named_tags.extend(undo.map(|image| image.tag.as_str()));
    let named = |tag: &String| named_tags.contains(tag.as_str());
    garbage.extend(snapshot.original.images.iter().filter(|(_, tag)| !named(tag)).map(|(key, _)| key.clone()));
    if !garbage.is_empty() {
        store.write(&garbage.into_iter().map(Op::Delete).collect::<Vec<_>>())?;
    }
    match Interrupted::of(snapshot.original.commit.is_some(), snapshot.original.intent.is_some()) {
        Some(Interrupted::Decided) => {
            roll_forward(store, &ours)?;
            Ok(Recovery::RolledForward)
        }
        Some(Interrupted::Undecided) => match undo {
            Some(image) => {
                let mut ops = image::restore_ops(image::read(store, image)?, &snapshot.entries());
                deletes_first(&mut ops);
                tracing::info!(keys = ops.len(), tag = %image.tag, "restoring an interrupted commit's keys from its image");
                store.write(&ops)?;
                // The intent first: an intent naming a deleted image could not be undone.
                store.write(&[Op::Delete(records::intent_key().encode())])?;
                image::discard(store, image)?;
                Ok(Recovery::Restored)
            }
            None => {
                store.write(&[Op::Delete(records::intent_key().encode())])?;
                Ok(Recovery::Discarded)
            }
        },
        None => Ok(Recovery::Clean),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Holder, LeaseState, MemoryStore};
    use std::time::Duration;

    /// Memory that takes one write at a time under the lease, writes in place, and dies
    /// after `left` more writes.
    struct Dying {
        inner: MemoryStore,
        left: usize,
    }

    impl Store for Dying {
        fn describe(&self) -> String {
            self.inner.describe()
        }
        fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
            self.inner.scan(prefix, visit)
        }
        fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
            self.inner.get_many(keys)
        }
        fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
            self.inner.write(batch)
        }
        fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
            self.inner.acquire_lease(token, holder, ttl)
        }
        fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
            self.inner.renew_lease(token, ttl)
        }
        fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
            self.inner.release_lease(token)
        }
        fn lease(&mut self) -> Result<Option<LeaseState>, StoreError> {
            self.inner.lease()
        }
        fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
            if batch.len() > 1 {
                return Ok(Fenced::Declined("one write at a time".to_owned()));
            }
            self.inner.write_if_leased(token, batch)
        }
        fn writes_in_place(&self) -> bool {
            true
        }
        fn write_in_place(&mut self, _: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
            for op in batch {
                if self.left == 0 {
                    return Err(StoreError::Backend { store: self.describe(), message: "died".to_owned() });
                }
                self.left -= 1;
                self.inner.write(std::slice::from_ref(op))?;
            }
            Ok(Fenced::Written)
        }
    }

    /// An object that moves to another topic (another key, in Dragonflow's layout), its
    /// commit written in place and cut after each write: the database never holds the
    /// object under both keys, which no snapshot reads, and recovery restores it.
    #[test]
    fn a_commit_in_place_cut_anywhere_never_holds_an_object_twice() {
        let old = "{lport.a}p1";
        for left in 0..2 {
            let inner = MemoryStore::new();
            inner.insert(old, r#"{"id":"p1","topic":"a"}"#);
            let mut store = Dying { inner, left };
            let lease = Lease::new(Duration::from_mins(1), crate::lease::holder("test"));
            assert_eq!(store.acquire_lease(&lease.token, &lease.holder, lease.ttl).unwrap(), None);
            let before = store.inner.dump();
            let snapshot = Snapshot::read(&mut store, |_| {}).unwrap();
            let image = image::write(&mut store, &snapshot, &lease.tag(), &|| false, &mut |_| {}).unwrap();
            let record = Manifest { action: Action::Upgrade, image: Some(image), ..Manifest::default() };
            let writes = vec![Op::Set("{lport.b}p1".to_owned(), br#"{"id":"p1","topic":"b"}"#.to_vec()), Op::Delete(old.to_owned())];
            assert!(commit(&mut store, &lease, writes, &record).is_err(), "cut after {left} writes");
            let snapshot = Snapshot::read(&mut store, |_| {}).unwrap_or_else(|e| panic!("cut after {left} writes: {e}"));
            assert_eq!(recover(&mut store, &snapshot).unwrap(), Recovery::Restored);
            let live: std::collections::BTreeMap<String, Vec<u8>> = store.inner.dump().into_iter().filter(|(key, _)| !key.contains("df_schema")).collect();
            let old_live: std::collections::BTreeMap<String, Vec<u8>> = before.into_iter().filter(|(key, _)| !key.contains("df_schema")).collect();
            assert_eq!(live, old_live, "cut after {left} writes");
        }
    }
}
