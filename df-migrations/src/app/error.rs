//! The application API's errors, apart from the engine's: an application that starts,
//! migrates and then reads and writes its models needs to tell "the database is not at
//! this build's schema yet" from "a stored value is broken" from "another instance is
//! still migrating", and each message names the store, the model, the table and the key
//! a person needs to find the problem.

use crate::linked::CollidingModels;
use crate::error::EngineError;
use crate::store::{Holder, StoreError};
use std::fmt;
use std::time::Duration;

/// A failure of [`crate::migrate`], [`crate::Migrator`] or [`crate::Database`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The models linked into this program cannot share one database.
    #[error(transparent)]
    Build(#[from] CollidingModels),
    /// The store failed (it names itself and, where one is involved, the key).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine refused or failed (a migration failed, histories disagree, …).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Another instance held the upgrade lease for the whole wait and the database still
    /// has steps pending (or an interrupted commit).
    #[error(
        "gave up on {store} after {waited:?}: {pending} migration steps are still pending and {} holds the upgrade lease. \
         Wait for it to finish, or raise the wait timeout; if it died, its lease expires by itself and the next start \
         completes or discards its commit",
        .holder.as_ref().map_or_else(|| "another instance".to_owned(), |h| format!("{} (since {})", h.who, h.since))
    )]
    Timeout {
        /// The store, as it describes itself.
        store: String,
        /// How long this instance waited.
        waited: Duration,
        /// The steps still pending when it gave up.
        pending: usize,
        /// The lease's holder as last seen.
        holder: Option<Holder>,
    },
    /// The database's recorded schema is not this build's: the typed access refuses it.
    #[error(
        "{store} is not at this build's schema: {why}. Run the migrations first (`df_migrations::migrate`, or \
         `df-runner upgrade`), then open the database again or call `Database::refresh`"
    )]
    NotMigrated {
        /// The store, as it describes itself.
        store: String,
        /// What differs.
        why: NotMigrated,
    },
    /// A model that the database handle's build does not have (or has at another version).
    #[error("{store}: model {model} v{version} (table `{table}`) is not one of this build's models: {reason}")]
    UnknownModel {
        /// The store, as it describes itself.
        store: String,
        /// The model's name.
        model: &'static str,
        /// The model's table.
        table: &'static str,
        /// The model's version in this program.
        version: u32,
        /// What the build has instead.
        reason: String,
    },
    /// An id or topic that cannot be stored in the engine's key layout.
    #[error("{store}: model {model} (table `{table}`): cannot store an object under key {key:?}: {reason}")]
    BadKey {
        /// The store, as it describes itself.
        store: String,
        /// The model's name.
        model: &'static str,
        /// The model's table.
        table: &'static str,
        /// The key the id and topic would make.
        key: String,
        /// Why it cannot be stored.
        reason: String,
    },
    /// A host name that cannot name a heartbeat record.
    #[error("{store}: cannot record host {host:?}: {reason}; name it with printable characters, without `{{`, `}}` or `/`")]
    BadHost {
        /// The store, as it describes itself.
        store: String,
        /// The name given.
        host: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// A stored value that does not decode as the model, or a counter that is not a number.
    #[error("{store}: key {key} (table `{table}`) does not hold a {model}: {reason}")]
    BadValue {
        /// The store, as it describes itself.
        store: String,
        /// The model's name.
        model: &'static str,
        /// The model's table.
        table: &'static str,
        /// The stored key.
        key: String,
        /// Why the value does not decode (or, for `put`, does not encode).
        reason: String,
    },
    /// A unique-key counter at `i64::MAX`, as Redis `INCR` refuses it.
    #[error("{store}: the unique-key counter {key} of table `{table}` is at {value} and cannot give another key")]
    CounterExhausted {
        /// The store, as it describes itself.
        store: String,
        /// The counter's table.
        table: &'static str,
        /// The counter's stored key.
        key: String,
        /// Its value.
        value: i64,
    },
    /// The upgrade lease, which [`crate::Database::allocate`] holds for a moment, stayed
    /// taken (an upgrade runs, or another allocation stalled) or was lost.
    #[error(
        "{store}: could not allocate a unique key of table `{table}`: {}",
        .holder.as_ref().map_or_else(|| "the lease was lost before the counter was written; nothing was written".to_owned(),
            |h| format!("{} has held the upgrade lease since {} (waited {:?})", h.who, h.since, .waited))
    )]
    Locked {
        /// The store, as it describes itself.
        store: String,
        /// The counter's table.
        table: &'static str,
        /// How long this allocation waited for the lease.
        waited: Duration,
        /// Who held the lease, or `None` if this allocation lost it.
        holder: Option<Holder>,
    },
}

/// Why a database is not at the build's schema (see [`AppError::NotMigrated`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotMigrated {
    /// No df-schema state at all: never migrated (or it predates df-schema).
    NoState,
    /// A commit was interrupted; the next upgrade completes or discards it.
    InterruptedCommit,
    /// A model's version in the database (`None`: not there) differs from the build's.
    Model {
        /// The model's name.
        model: String,
        /// Its version in the database, `None` if it is not there.
        db: Option<u32>,
        /// Its version in this build.
        build: u32,
    },
    /// Steps are pending although every model's version matches (hand-written
    /// migrations not applied yet); `first` is the first pending step's id.
    Pending {
        /// How many steps.
        steps: usize,
        /// The first one's id.
        first: String,
    },
}

impl fmt::Display for NotMigrated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotMigrated::NoState => f.write_str("it holds no df-schema state (it was never migrated)"),
            NotMigrated::InterruptedCommit => f.write_str("a commit was interrupted"),
            NotMigrated::Model { model, db: Some(db), build } => {
                write!(f, "model {model} is at v{db} in the database and at v{build} in this build")
            }
            NotMigrated::Model { model, db: None, build } => {
                write!(f, "model {model} is not in the database yet (v{build} in this build)")
            }
            NotMigrated::Pending { steps, first } => write!(f, "{steps} migration steps are pending, the first `{first}`"),
        }
    }
}
