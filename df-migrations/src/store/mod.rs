//! Stores: a small backend trait. A store is a map from keys (Dragonflow's layout, see
//! `crate::layout`) to bytes, plus the lease that lets one runner at a time upgrade. All
//! policy (what to write, in what order, how to recover) lives in the engine; a store
//! writes batches in order, and applies a batch under the lease all-or-nothing or declines
//! it.

pub(crate) mod etcd;
mod lease_value;
mod memory;
mod namespace;
mod redb;
mod redis;
mod url;

pub use etcd::{EtcdOptions, EtcdStore};
pub use memory::MemoryStore;
pub use namespace::Namespaced;
pub use self::redb::{RedbStore, REDB_KEYS};
pub use self::redis::{ClusterBackend, Redis, RedisClusterStore, RedisOptions, RedisStore, ServerBackend};
pub use url::{open, open_or_create, redact, redb_file, URL_FORMS};

use std::time::Duration;

/// One write of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Sets the key to the value, replacing any value it had.
    Set(String, Vec<u8>),
    /// Removes the key; a key that is absent is not an error.
    Delete(String),
    /// Moves `from`'s value to `to`, replacing it (Redis `RENAME`); `from` must exist.
    Rename {
        /// The key whose value moves; it is gone afterwards.
        from: String,
        /// The key that receives the value.
        to: String,
    },
}

impl Op {
    /// The key the op writes.
    pub fn key(&self) -> &str {
        match self {
            Op::Set(key, _) | Op::Delete(key) | Op::Rename { to: key, .. } => key,
        }
    }
}

/// One server's memory, as [`Store::memory`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// The server, `host:port`.
    pub node: String,
    /// Bytes in use.
    pub used: u64,
    /// The limit (`maxmemory`); `None` where it has none.
    pub limit: Option<u64>,
    /// What the server does at the limit (`maxmemory-policy`): `noeviction` refuses
    /// writes, the others evict keys.
    pub policy: String,
    /// The setting that is the limit, for messages: `maxmemory`, `--quota-backend-bytes`.
    pub setting: &'static str,
    /// How to raise it, for messages: `CONFIG SET maxmemory on host:port`, ….
    pub remedy: String,
}

/// Who holds the upgrade lease, as recorded when it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `host:pid` or similar, as the runner described itself.
    pub who: String,
    /// RFC 3339, UTC.
    pub since: String,
}

/// The upgrade lease as a store shows it to an operator (`df-runner lease`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseState {
    /// Who holds it, and since when.
    pub holder: Holder,
    /// The holder's token, where the lease can be broken with it ([`Store::release_lease`]
    /// with this token deletes it if it is still the holder's); `None` where the lease
    /// ends only with its holder's process (the embedded store's file lock).
    pub token: Option<String>,
    /// How long it lasts without renewal, where it expires.
    pub expires_in: Option<Duration>,
}

/// A store failure. It names the store and, where one is involved, the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database does not exist (an embedded file that is not there), and was not to
    /// be created.
    #[error("{store} does not exist")]
    Missing {
        /// The store, as [`Store::describe`] would name it.
        store: String,
    },
    /// The store as a whole failed: a connection, a transaction, a setting.
    #[error("{store}: {message}")]
    Backend {
        /// The store, as [`Store::describe`] names it.
        store: String,
        /// What failed.
        message: String,
    },
    /// A read or write of one key failed.
    #[error("{store}: key {key}: {message}")]
    Key {
        /// The store, as [`Store::describe`] names it.
        store: String,
        /// The key, as text even when it is not UTF-8.
        key: String,
        /// What failed.
        message: String,
    },
}

/// A backend.
pub trait Store {
    /// A short description for messages: `redis://127.0.0.1:6379/0`, `redb:/path`.
    fn describe(&self) -> String;

    /// Calls `visit` with every key that starts with `prefix` and its value, each exactly
    /// once (Redis `SCAN` may repeat keys; the store drops repeats), in chunks of the
    /// store's choosing (never the whole dataset in one command). Keys without the prefix
    /// are neither read nor visited, whatever they hold, so that a database shared with
    /// other software is read only where df-schema owns it. The order is unspecified; the
    /// lease is not visited.
    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError>;

    /// The values of some keys, `None` where absent.
    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError>;

    /// Applies a batch of writes, in order. It may stop part-way (a crash, a lost
    /// connection); the engine's protocol makes that safe. Only
    /// [`Store::write_if_leased`] promises all-or-nothing.
    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError>;

    /// Keeps the lease under `namespace` from now on, for stores that keep it as a key, so
    /// that a runner confined to a namespace (see `crate::layout`) writes nothing outside
    /// it, and runners of two namespaces of one database do not wait for each other.
    fn keep_lease_in(&mut self, namespace: &str) {
        let _ = namespace;
    }

    /// Takes the upgrade lease for `ttl` with a random `token`, recording `holder`.
    /// Returns the current holder if someone else has it.
    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError>;

    /// Extends the lease; `false` if it is no longer ours (it expired and was taken).
    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError>;

    /// Releases the lease if it is still `token`'s: ours, or, to break a stale lease, the
    /// token [`Store::lease`] showed.
    fn release_lease(&mut self, token: &str) -> Result<(), StoreError>;

    /// The lease as it is now, if someone holds it.
    fn lease(&mut self) -> Result<Option<LeaseState>, StoreError>;

    /// The memory of each server that holds part of the keys (a Redis server, or each
    /// master of a cluster), where writes can reach a limit; empty where the store does
    /// not tell or has no such limit.
    fn memory(&mut self) -> Result<Vec<Memory>, StoreError> {
        Ok(Vec::new())
    }

    /// The first key that starts with `prefix` and has a time to live (the lease aside),
    /// with the milliseconds it has left; `None` where none has, or the store keeps none.
    fn expiring(&mut self, prefix: &str) -> Result<Option<(String, u64)>, StoreError> {
        let _ = prefix;
        Ok(None)
    }

    /// Starts noting writes by anyone else to the keys that start with `prefix` (sets,
    /// deletes, expiries, evictions), for [`Store::foreign_writes`]; says whether the store
    /// can tell them at all.
    fn watch_writes(&mut self, prefix: &str) -> Result<Watching, StoreError> {
        let _ = prefix;
        Ok(Watching::Unwatched("this store does not report writes by others".to_owned()))
    }

    /// Ends what [`Store::watch_writes`] started: the keys that anyone but this store
    /// handle wrote since, each once, sorted. An error where the store lost track of them
    /// (and so cannot say that there were none).
    fn foreign_writes(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    /// Applies `batch` all-or-nothing, and only if the lease is still ours, atomically
    /// with that check (fencing: a runner whose lease expired cannot commit). Stores that
    /// cannot do this for a given batch decline it and write nothing; every store accepts
    /// a batch that sets one engine record (a key with the hash tag `{df_schema.}`).
    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError>;

    /// Whether a commit this store declined as one batch is better written in place, in
    /// transactions of its own ([`Store::write_in_place`]) and undone from the pre-upgrade
    /// image if it is interrupted, than staged: where staging would write each key three
    /// times in transactions too small to hold more than a few hundred keys (etcd). See
    /// `crate::commit`.
    fn writes_in_place(&self) -> bool {
        false
    }

    /// Applies `batch` in order, in as many transactions as it takes, each only if the
    /// lease is still `token`'s and, once writes by others were checked
    /// ([`Store::foreign_writes`]), only if none of its keys was written by anyone else
    /// since. It may stop part-way, between two transactions: [`Fenced::LeaseLost`], an
    /// error naming a key written by someone else, or a crash. Stores that do not write in
    /// place ([`Store::writes_in_place`]) decline and write nothing.
    fn write_in_place(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let _ = (token, batch);
        Ok(Fenced::Declined("this store stages a commit that does not fit one batch".to_owned()))
    }
}

/// Whether a store tells writes by others (see [`Store::watch_writes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watching {
    /// It notes them, up to [`Store::foreign_writes`].
    Watched,
    /// No one else can write while this handle is open (an embedded file it locks).
    Exclusive,
    /// It cannot tell them; says why.
    Unwatched(String),
}

/// What [`Store::write_if_leased`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fenced {
    /// The lease was ours; the whole batch is written.
    Written,
    /// The lease is no longer ours; nothing was written.
    LeaseLost,
    /// The store cannot apply this batch all-or-nothing under the lease (a Redis Cluster
    /// outside the lease's slot; a Redis server older than 7.0, or a batch it could not
    /// queue while the lease was sure to last); nothing was written. Says why.
    Declined(String),
}
