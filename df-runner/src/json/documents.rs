//! The fields of each command's document. Engine reports (`Report`, `Status`, log rows)
//! are embedded as the engine serializes them; the rest is shaped here, labeled, with
//! durations in seconds.

use df_migrations::fleet::HostRecord;
use df_migrations::records::{LogRow, Run};
use df_migrations::{Diagnostic, Recovery, Report, ReportStep, Status};
use df_schema::core::compat::RolloutFields;
use schemars::JsonSchema;
use serde::Serialize;

/// `upgrade`, `init`, `rollback` and `baseline`: what the command did or, in a dry run,
/// would do.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportBody {
    /// The database, as it describes itself (passwords redacted).
    pub database: String,
    /// Whether this was a dry run (then `committed` is false and nothing was written).
    pub dry_run: bool,
    /// What the engine did.
    #[serde(flatten)]
    pub report: Report,
}

/// `status`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusBody {
    /// The database, as it describes itself (passwords redacted).
    pub database: String,
    /// The database's state against this build.
    #[serde(flatten)]
    pub status: Status,
    /// The application hosts live by their heartbeat records, by name, with the model
    /// versions they read and write: the hosts `plan` and `upgrade` hold steps back for.
    pub hosts: Vec<HostRecord>,
}

/// `plan`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlanBody {
    /// The release the plan stops at (`--to`), if one was given.
    pub to_release: Option<String>,
    /// The pending steps, in the order they would run.
    pub steps: Vec<ReportStep>,
}

/// `history`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HistoryBody {
    /// Every committed run, oldest first: the audit trail.
    pub runs: Vec<Run>,
    /// The migration log (`schema_migration`), oldest first: the steps the data is at.
    pub rows: Vec<LogRow>,
}

/// `images`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImagesBody {
    /// The pre-upgrade images kept, oldest first.
    pub images: Vec<ImageBody>,
    /// Their bytes together.
    pub bytes: u64,
}

/// One kept image.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImageBody {
    /// The upgrade's run number (as `history` shows it).
    pub run: u64,
    /// When the upgrade started.
    pub started_at: String,
    /// The releases it applied.
    pub releases: Vec<String>,
    /// The keys the image holds.
    pub keys: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

impl ImageBody {
    /// The image `image` of `run`.
    pub fn of(run: &Run, image: &df_migrations::records::ImageRef) -> ImageBody {
        ImageBody { run: run.seq, started_at: run.started_at.clone(), releases: run.releases.clone(), keys: image.entries, bytes: image.bytes }
    }
}

/// `images prune`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PruneBody {
    /// The database, as it describes itself (passwords redacted).
    pub database: String,
    /// Whether this was a dry run (nothing was deleted).
    pub dry_run: bool,
    /// How many of the last upgrades keep their images.
    pub keep: usize,
    /// The upgrades whose images were (or would be) deleted, by run number.
    pub pruned: Vec<u64>,
    /// The bytes those images held.
    pub bytes: u64,
}

/// Who holds the lease.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HolderBody {
    /// The runner, as it described itself (`host:pid`).
    pub who: String,
    /// Since when it holds the lease (RFC 3339, UTC).
    pub since: String,
}

impl From<&df_migrations::store::Holder> for HolderBody {
    fn from(holder: &df_migrations::store::Holder) -> HolderBody {
        HolderBody { who: holder.who.clone(), since: holder.since.clone() }
    }
}

/// `lease`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeaseBody {
    /// Whether a runner holds the lease.
    pub held: bool,
    /// Who holds it, if anyone does.
    pub holder: Option<HolderBody>,
    /// How many seconds it lasts without renewal; `null` where it ends only with its
    /// holder's process (the embedded store) or is free.
    pub expires_in_seconds: Option<f64>,
}

/// `lease break`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeaseBreakBody {
    /// Whether a lease was broken (false: it was free).
    pub broken: bool,
    /// Who held the lease that was broken.
    pub holder: Option<HolderBody>,
}

/// `recover`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecoverBody {
    /// What recovery did; `null` when no commit was interrupted.
    pub recovered: Option<Recovery>,
}

/// `verify`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerifyBody {
    /// Whether no problem was found (the exit code is then 0, otherwise 1).
    pub ok: bool,
    /// Every problem found.
    pub problems: Vec<Diagnostic>,
}

/// `schema`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SchemaBody {
    /// The build's models, by name.
    pub models: Vec<ModelBody>,
}

/// A model of the build.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelBody {
    /// The model's name.
    pub model: String,
    /// Its table.
    pub table: String,
    /// Its head version.
    pub version: u32,
    /// The fingerprint of its head version.
    pub fingerprint: String,
    /// Every version step of its recorded history.
    pub steps: Vec<SchemaStep>,
}

/// A version step of a model's recorded history.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SchemaStep {
    /// The version it starts from.
    pub from: u32,
    /// The version it goes to.
    pub to: u32,
    /// The release of the version it goes to, if it has one.
    pub release: Option<String>,
    /// Whether the framework migrates it by itself.
    pub automatic: bool,
    /// The hand-written migration that covers it, if one does.
    pub migration: Option<String>,
    /// What changed.
    pub changes: Vec<Change>,
    /// `"compatibility"`: `"rolling"` or `"offline"` with `"first"`, as plan steps carry it.
    #[serde(flatten)]
    pub rollout: RolloutFields,
    /// Why the step is offline, each direction that fails and why.
    pub compatibility_reasons: Vec<String>,
}

/// `schema diff`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DiffBody {
    /// The model.
    pub model: String,
    /// The older version.
    pub from: u32,
    /// The newer version.
    pub to: u32,
    /// What changed from one to the other.
    pub changes: Vec<Change>,
    /// `"compatibility"` of code at the two versions over the same data, through every
    /// step between them: `"rolling"` or `"offline"` with `"first"`.
    #[serde(flatten)]
    pub rollout: RolloutFields,
    /// Why it is offline, each direction that fails and why.
    pub compatibility_reasons: Vec<String>,
}

/// What kind of change a [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A field was added.
    FieldAdded,
    /// A field was removed.
    FieldRemoved,
    /// A field's type or default changed.
    FieldChanged,
    /// The model's table was renamed.
    TableRenamed,
    /// The release label changed.
    ReleaseChanged,
}

/// One change between two versions of a model.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Change {
    /// What kind of change it is.
    pub kind: ChangeKind,
    /// The field, for changes of a field.
    pub field: Option<String>,
    /// Before: the field's type (`str?`, `[i64]`), the table, or the release.
    pub from: Option<String>,
    /// After: the field's type, the table, or the release.
    pub to: Option<String>,
    /// The field's default before, as JSON, if it had one.
    pub from_default: Option<serde_json::Value>,
    /// The field's default after, as JSON, if it has one.
    pub to_default: Option<serde_json::Value>,
    /// Whether the framework migrates this change by itself.
    pub automatic: bool,
    /// The change in words, as the text output shows it.
    pub description: String,
}

impl From<&df_schema::core::Change> for Change {
    fn from(change: &df_schema::core::Change) -> Change {
        use df_schema::core::Change as C;
        let field = |f: &df_schema::core::Field| (Some(f.full_ty().to_string()), f.default.clone());
        let ((from, from_default), (to, to_default), kind) = match change {
            C::Added(f) => ((None, None), field(f), ChangeKind::FieldAdded),
            C::Removed(f) => (field(f), (None, None), ChangeKind::FieldRemoved),
            C::Modified { from, to } => (field(from), field(to), ChangeKind::FieldChanged),
            C::TableRenamed { from, to } => ((Some(from.clone()), None), (Some(to.clone()), None), ChangeKind::TableRenamed),
            C::ReleaseChanged { from, to } => ((from.clone(), None), (to.clone(), None), ChangeKind::ReleaseChanged),
        };
        Change {
            kind,
            field: change.field_name().map(str::to_owned),
            from,
            to,
            from_default,
            to_default,
            automatic: change.is_automatic(),
            description: change.to_string(),
        }
    }
}

/// `export`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportBody {
    /// The database, as it describes itself (passwords redacted).
    pub database: String,
    /// The file written; `-` for standard output.
    pub file: String,
    /// How many keys were written.
    pub keys: usize,
}

/// `import`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImportBody {
    /// The database, as it describes itself (passwords redacted).
    pub database: String,
    /// Whether this was a dry run (the file was checked, nothing was written).
    pub dry_run: bool,
    /// The file read; `-` for standard input.
    pub file: String,
    /// How many keys were imported (or, in a dry run, checked).
    pub keys: usize,
}

/// The document of a command that failed. The exit code is that of the failure (1, 2 for
/// a command line that could not be parsed, 130 or 143 when stopped by a signal).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: Diagnostic,
}
