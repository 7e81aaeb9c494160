//! The engine's errors. Each names what a person needs to find the problem: the store,
//! the migration id, the table and the key.

use crate::layout::LayoutError;
use crate::plan::PlanRefused;
use crate::store::{Holder, StoreError};
use df_schema::MigrationError;

/// One object that does not decode as its head model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The model and version it was checked as (`LogicalPort v5`), or `(no model)`.
    pub model: String,
    /// Its stored key.
    pub key: String,
    /// Why it does not decode.
    pub reason: String,
}

/// Why the engine refused or stopped. Whatever the error, nothing was committed, unless
/// the variant says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key in df-schema's namespace is not in the layout's form (the error, the store).
    #[error("{store}: {0}", store = .1)]
    Layout(LayoutError, String),
    /// A key holds a value that is not what its key says.
    #[error("{store}: key {key} does not hold {what}: {reason}")]
    BadValue {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The key.
        key: String,
        /// What the key should hold.
        what: &'static str,
        /// Why its value is not that.
        reason: String,
    },
    /// Another runner holds the upgrade lease.
    #[error(
        "another runner holds the upgrade lock on {store}: {} since {}. Wait for it to finish; if it died, \
         its lease expires by itself (after --lease-ttl) and the next run completes or discards its commit",
        .holder.who, .holder.since
    )]
    Locked {
        /// The store, as `Store::describe` names it.
        store: String,
        /// Who holds the lease, and since when.
        holder: Holder,
    },
    /// The lease expired during the command and may have been taken over.
    #[error(
        "{store}: this runner's lease expired (it paused longer than --lease-ttl) and another runner may have \
         taken over; nothing was committed. Run the command again"
    )]
    LeaseLost {
        /// The store, as `Store::describe` names it.
        store: String,
    },
    /// The database and the build disagree.
    #[error(transparent)]
    Plan(#[from] PlanRefused),
    /// A database with objects but without df-schema's state: it needs `baseline`.
    #[error(
        "{store} holds {objects} objects but no df-schema state: it predates df-schema. Stamp it with \
         `df-runner baseline --release <its release>` first (`--at-version N` for models without releases)"
    )]
    NotBaselined {
        /// The store, as `Store::describe` names it.
        store: String,
        /// How many objects it holds.
        objects: usize,
    },
    /// A database without df-schema's state and without objects, which an upgrade was
    /// not told to initialize.
    #[error(
        "{store} holds no df-schema state and no objects of this build's models: it is not a database of these \
         models yet, and may be the wrong one (check the URL, the file path, the Redis database number). If it is \
         the right one, create every model in it with `init` (or `upgrade --init`)"
    )]
    NotInitialized {
        /// The store, as `Store::describe` names it.
        store: String,
    },
    /// A stop was requested (see `Stop`), and the command stopped at a safe point before
    /// its commit.
    #[error(
        "{store}: stopped on request before the commit: nothing was written (an upgrade's pre-upgrade image, \
         if it had written one, was deleted), and the lease was released. The database is as it was; run the \
         command again to finish"
    )]
    Stopped {
        /// The store, as `Store::describe` names it.
        store: String,
    },
    /// A migration returned an error.
    #[error("migration `{id}` failed: {error}; nothing was written")]
    Migration {
        /// The migration's id.
        id: String,
        /// Its error, naming the table and object where it knows them.
        error: MigrationError,
    },
    /// A migration panicked.
    #[error("migration `{id}` panicked{}: {message}; nothing was written", at.as_ref().map(|(t, k)| format!(" on table `{t}`, object `{k}`")).unwrap_or_default())]
    MigrationPanicked {
        /// The migration's id.
        id: String,
        /// The panic's message.
        message: String,
        /// The table and object id it was on, where known.
        at: Option<(String, String)>,
    },
    /// Objects do not decode as their models after the steps.
    #[error(
        "{} objects do not decode as their head model; nothing was written:{}{}",
        .total,
        .first.iter().map(|i| format!("\n  - {} {}: {}", i.model, i.key, i.reason)).collect::<String>(),
        if *.total > .first.len() { format!("\n  - … and {} more", .total - .first.len()) } else { String::new() }
    )]
    Invalid {
        /// How many objects fail.
        total: usize,
        /// The first of them.
        first: Vec<Invalid>,
    },
    /// Objects whose ids cannot be stored as keys and read back as themselves.
    #[error(
        "{} objects have ids that cannot be stored as keys of the layout and read back; nothing was written. \
         Fix the migration that made them (or the stored data):{}{}",
        .total,
        .first.iter().map(|i| format!("\n  - {} (key {}): {}", i.model, i.key, i.reason)).collect::<String>(),
        if *.total > .first.len() { format!("\n  - … and {} more", .total - .first.len()) } else { String::new() }
    )]
    Unstorable {
        /// How many objects.
        total: usize,
        /// The first of them.
        first: Vec<Invalid>,
    },
    /// A command was given a release the build does not know (`baseline --release`,
    /// `plan --to`, `upgrade --to`).
    #[error("this build knows no release `{release}`, so nothing was done: its releases are {known}")]
    UnknownRelease {
        /// The release asked for.
        release: String,
        /// The releases the build's models have, in order, comma-separated.
        known: String,
    },
    /// A command was given a release, but the build's models record none.
    #[error(
        "this build's models record no releases, so there is no release `{release}` and nothing was done: upgrade \
         without `--to`, and stamp a database at versions instead, every model at one (`baseline --at-version N`) \
         or each named (`baseline --model NAME=VERSION`)"
    )]
    NoReleases {
        /// The release asked for.
        release: String,
    },
    /// `upgrade --accept-changed` named a migration that is not an applied one whose code
    /// changed.
    #[error(
        "cannot accept `{id}` on {store}: {reason}; nothing was done. `--accept-changed` takes an applied \
         migration whose code changed since; applied migrations whose code changed: {}",
        if .changed.is_empty() { "none" } else { .changed.as_str() }
    )]
    NotAcceptable {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The id given.
        id: String,
        /// Why it cannot be accepted.
        reason: String,
        /// The applied migrations whose code did change, quoted and comma-separated.
        changed: String,
    },
    /// `baseline` named a model the build does not know.
    #[error("this build has no model {model} (nor removes one), so nothing was stamped: models known: {known}")]
    UnknownModel {
        /// The model named.
        model: String,
        /// The models the build declares or removes, comma-separated.
        known: String,
    },
    /// `baseline` named a version a model does not record.
    #[error("{model} has no recorded version {version}, so nothing was stamped: the lock records {recorded}")]
    UnknownVersion {
        /// The model.
        model: String,
        /// The version named.
        version: u32,
        /// The versions the lock records, comma-separated.
        recorded: String,
    },
    /// `baseline` at versions that leave every model out.
    #[error("{}", match .every {
        Some(version) => format!("no model of this build records version {version}, so nothing was stamped: name each model's version with `--model NAME=VERSION`"),
        None => "nothing to stamp: name a release, a version for every model, or models' versions".to_owned(),
    })]
    NothingToBaseline {
        /// The version every model was to be at, if one was given.
        every: Option<u32>,
    },
    /// `baseline` on a database that already has df-schema's state.
    #[error("{store} is already stamped with df-schema state: baseline is for databases that predate df-schema")]
    AlreadyBaselined {
        /// The store, as `Store::describe` names it.
        store: String,
    },
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
    /// `baseline`'s sample does not have the shapes of the versions asked for.
    #[error(
        "{store} does not look like {at}: {} objects checked, {} do not match:{}{}",
        .checked, .total,
        .mismatches.iter().map(|i| format!("\n  - {} {}: {}", i.model, i.key, i.reason)).collect::<String>(),
        if *.total > .mismatches.len() { format!("\n  - … and {} more", .total - .mismatches.len()) } else { String::new() }
    )]
    BaselineMismatch {
        /// The store, as `Store::describe` names it.
        store: String,
        /// What it was to be stamped as: `release 2.0`, `versions Host v1, Rack v2`.
        at: String,
        /// How many objects were checked.
        checked: usize,
        /// How many of them do not match.
        total: usize,
        /// The first of them.
        mismatches: Vec<Invalid>,
    },
    /// `import` into a database that holds keys, without `force`.
    #[error("{store} already holds {keys} keys: import into an empty database, or pass --force to import over them")]
    NotEmpty {
        /// The store, as `Store::describe` names it.
        store: String,
        /// How many keys it holds.
        keys: usize,
    },
    /// An owned key with a time to live.
    #[error(
        "{store}: key {key} expires in {} s: an upgrade rewrites the keys it changes without their time to live, and a \
         rollback restores bytes, not expiries. Nothing was written. Remove the expiry (`PERSIST {key}` on Redis; on \
         etcd, put the key again without its lease) or delete the key, then run the upgrade again",
        *.left_ms as f64 / 1000.0
    )]
    Expiring {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The key.
        key: String,
        /// The milliseconds it has left.
        left_ms: u64,
    },
    /// Pending steps that application hosts, live by their heartbeat records, could not
    /// survive: they read the models at versions that cannot read what the steps leave.
    #[error(
        "{store}: {count} pending steps cannot run while live hosts read their models at the versions they registered: {}{}. \
         Stop those hosts, or give them code that reads the new objects (a host that stops cleanly deletes its record, \
         and a stopped host's record lapses at its `expires_at`; `status` lists the live hosts), then run the command again",
        .listed.join("; "),
        if *.count > .listed.len() { "; …" } else { "" }
    )]
    LiveHosts {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The first of the refusals, in plan order: host, step and why.
        listed: Vec<String>,
        /// How many (host, step) pairs were refused.
        count: usize,
        /// The first refused host's record key.
        key: String,
    },
    /// Keys written by another client while a command read the data.
    #[error(
        "{store}: {count} keys were written by another client while {during} ({}{}): {consequence}. \
         Stop every writer of this database (the control plane's servers), then run the command again",
        .keys.join(", "),
        if *.count > .keys.len() { ", …" } else { "" }
    )]
    ForeignWrites {
        /// The store, as `Store::describe` names it.
        store: String,
        /// What was reading: `the upgrade read and migrated the data`.
        during: &'static str,
        /// Why that is refused, and what was done about it.
        consequence: &'static str,
        /// The first of the keys, in key order.
        keys: Vec<String>,
        /// How many keys were written.
        count: usize,
    },
    /// A server whose memory limit cannot hold what the upgrade writes.
    #[error(
        "{store}: server {node} has {setting} {limit} bytes with {used} in use, and this upgrade writes about {needed} more there \
         (the new values of the keys it holds and its part of the rollback image): {}. Nothing was written. Raise {setting} to at \
         least {} ({remedy}), or free memory, then run the upgrade again",
        if &**.policy == "noeviction" { "the server would refuse writes part-way".to_owned() } else { format!("the server would evict keys (maxmemory-policy {}), losing data", .policy) },
        .used.saturating_add(*.needed)
    )]
    NoRoom {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The server short of memory, `host:port`.
        node: Box<str>,
        /// Bytes in use.
        used: u64,
        /// The limit.
        limit: u64,
        /// About what the upgrade writes.
        needed: u64,
        /// `maxmemory-policy`.
        policy: Box<str>,
        /// The setting that is the limit.
        setting: &'static str,
        /// How to raise it.
        remedy: Box<str>,
    },
    /// `export` while a commit is interrupted.
    #[error(
        "{store} is in the middle of a commit (it holds {key}): an export now would mix the old state and the new, \
         so nothing was exported. Run `recover` (it completes or discards the commit), then export"
    )]
    MidCommit {
        /// The store, as `Store::describe` names it.
        store: String,
        /// A key only an unfinished commit leaves.
        key: String,
    },
    /// `import` of an export taken in the middle of a commit.
    #[error(
        "the export holds {key}, which only an unfinished commit leaves: it was taken mid-commit and is not a \
         committed state, so nothing was imported. Export the database again after `recover`"
    )]
    MidCommitExport {
        /// A key only an unfinished commit leaves.
        key: String,
    },
    /// A database whose df-schema records remain but whose objects are gone.
    #[error(
        "{store} holds df-schema's records but none of the {objects} objects its last upgrade (run {run}) left: the \
         data was lost (a server restarted without persistence, or evicted keys?), so nothing was done. Restore the \
         data from an export or a server backup; `history` shows what ran. If every object was deleted on purpose, \
         upgrade with `--init`"
    )]
    ObjectsLost {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The last upgrade's run number.
        run: u64,
        /// How many objects it left.
        objects: usize,
    },
    /// `rollback` without an upgrade to roll back.
    #[error("{store} has no upgrade to roll back{}", if *.empty {
        ": it holds no keys at all, not even df-schema's records. If it held data, the data is lost (a server restarted \
         without persistence?); restore it from an export or a server backup"
    } else { "" })]
    NothingToRollBack {
        /// The store, as `Store::describe` names it.
        store: String,
        /// Whether it holds no keys at all.
        empty: bool,
    },
    /// `rollback --to` a release the database is at already (or below).
    #[error("{store} has no upgrade past release {release} to roll back: it is at {release} or older (see `history`)")]
    AlreadyAtRelease {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The release asked for.
        release: String,
    },
    /// `rollback --to` a release that one upgrade applied together with later ones.
    #[error(
        "{store}: cannot roll back to release {release}: upgrade run {run} applied releases {releases} in one go, and its \
         image is the state before all of them. Roll back past it (to the release before), then `upgrade --to {release}`"
    )]
    UpgradeStraddles {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The release asked for.
        release: String,
        /// The upgrade's run number.
        run: u64,
        /// The releases it applied, comma-separated.
        releases: String,
    },
    /// A rollback would need the image of an upgrade whose image was pruned.
    #[error(
        "{store}: cannot roll back upgrade run {run} (started {started_at}): its pre-upgrade image was pruned (only the \
         images of the last --keep-images upgrades are kept). Restore an export taken before it instead: empty the \
         database, then `import FILE`"
    )]
    ImagePruned {
        /// The store, as `Store::describe` names it.
        store: String,
        /// The upgrade's run number.
        run: u64,
        /// When it started.
        started_at: String,
    },
    /// `rollback` of data written since the upgrade, without `force`.
    #[error(
        "{store} was written since the last upgrade (its data no longer matches what the upgrade \
         left); rolling back restores every key exactly as it was before the upgrade, so those writes \
         would be lost. Use --force to roll back anyway"
    )]
    WrittenSince {
        /// The store, as `Store::describe` names it.
        store: String,
    },
}
