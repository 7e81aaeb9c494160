//! The engine's errors. Each names what a person needs to find the problem: the store,
//! the migration id, the table and the key.

use crate::layout::LayoutError;
use crate::plan::PlanRefused;
use crate::store::{Holder, StoreError};
use df_schema::MigrationError;

/// One object that does not decode as its head model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub model: String,
    pub key: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{store}: {0}", store = .1)]
    Layout(LayoutError, String),
    #[error("{store}: key {key} does not hold {what}: {reason}")]
    BadValue { store: String, key: String, what: &'static str, reason: String },
    #[error(
        "another runner holds the upgrade lock on {store}: {} since {}. Wait for it to finish; if it died, \
         its lease expires by itself (after --lease-ttl) and the next run completes or discards its commit",
        .holder.who, .holder.since
    )]
    Locked { store: String, holder: Holder },
    #[error(
        "{store}: this runner's lease expired (it paused longer than --lease-ttl) and another runner may have \
         taken over; nothing was committed. Run the command again"
    )]
    LeaseLost { store: String },
    #[error(transparent)]
    Plan(#[from] PlanRefused),
    #[error(
        "{store} holds {objects} objects but no df-schema state: it predates df-schema. Stamp it with \
         `df-runner baseline --release <its release>` first"
    )]
    NotBaselined { store: String, objects: usize },
    #[error("migration `{id}` failed: {error}; nothing was written")]
    Migration { id: String, error: MigrationError },
    #[error("migration `{id}` panicked{}: {message}; nothing was written", at.as_ref().map(|(t, k)| format!(" on table `{t}`, object `{k}`")).unwrap_or_default())]
    MigrationPanicked { id: String, message: String, at: Option<(String, String)> },
    #[error(
        "{} objects do not decode as their head model; nothing was written:{}{}",
        .total,
        .first.iter().map(|i| format!("\n  - {} {}: {}", i.model, i.key, i.reason)).collect::<String>(),
        if *.total > .first.len() { format!("\n  - … and {} more", .total - .first.len()) } else { String::new() }
    )]
    Invalid { total: usize, first: Vec<Invalid> },
    #[error("no model of this build has a version of release {release}: releases known: {known}")]
    UnknownRelease { release: String, known: String },
    #[error("{store} is already stamped with df-schema state: baseline is for databases that predate df-schema")]
    AlreadyBaselined { store: String },
    /// The database records another key layout than the build's models declare.
    #[error(
        "{store} records key layout `{recorded}`, but this build's models declare `{build}`: reading it in \
         another layout would misplace every key. Run the runner built with the models that wrote it, or declare \
         `df_schema::key_layout!` as they did"
    )]
    OtherLayout {
        /// The store.
        store: String,
        /// The layout the database records.
        recorded: String,
        /// The build's layout.
        build: String,
    },
    #[error(
        "{store} does not look like release {release}: {} objects checked, {} do not match:{}{}",
        .checked, .total,
        .mismatches.iter().map(|i| format!("\n  - {} {}: {}", i.model, i.key, i.reason)).collect::<String>(),
        if *.total > .mismatches.len() { format!("\n  - … and {} more", .total - .mismatches.len()) } else { String::new() }
    )]
    BaselineMismatch {
        /// The store.
        store: String,
        /// The release it was to be stamped with.
        release: String,
        /// How many objects were checked.
        checked: usize,
        /// How many of them do not match.
        total: usize,
        /// The first of them.
        mismatches: Vec<Invalid>,
    },
    #[error("{store} already holds {keys} keys: import into an empty database, or pass --force to import over them")]
    NotEmpty { store: String, keys: usize },
    #[error("{store} has no upgrade to roll back")]
    NothingToRollBack { store: String },
    #[error(
        "{store} was written since the last upgrade (its data no longer matches what the upgrade \
         left); rolling back restores every key exactly as it was before the upgrade, so those writes \
         would be lost. Use --force to roll back anyway"
    )]
    WrittenSince { store: String },
}
