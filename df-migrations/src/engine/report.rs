//! What the engine's commands report: progress while they run, and what they did.

use crate::writes::TableSummary;
use crate::commit::{Interrupted, Recovery};
use crate::plan::{PlannedStep, StepKind};
use df_schema::core::compat::RolloutFields;
use crate::records::LogRow;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// A phase of an upgrade, for progress and timings.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Reading the whole database (and recovering an interrupted commit).
    Read,
    /// Running the steps on the in-memory copy.
    Migrate,
    /// Checking every object against its model.
    Validate,
    /// Writing the image and the commit.
    Commit,
}

/// Progress events, for a progress bar.
#[derive(Debug)]
pub enum Event<'a> {
    /// A phase begins.
    Phase(Phase),
    /// Keys read so far.
    Read(usize),
    /// A step is about to run.
    Step(&'a PlannedStep),
    /// Objects validated so far, of `total`.
    Validated {
        /// Checked so far.
        done: usize,
        /// To check in all.
        total: usize,
    },
    /// Keys written to the pre-upgrade image so far, of `total`.
    Imaged {
        /// Written so far.
        done: usize,
        /// To write in all.
        total: usize,
    },
}

/// What an upgrade or rollback did (or, dry, would do).
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The steps run, in order.
    pub steps: Vec<ReportStep>,
    /// The applied migrations whose changed code was accepted, by id.
    pub accepted: Vec<String>,
    /// The data objects read (none by an upgrade with nothing pending and no interrupted
    /// commit, which reads only the engine's records).
    pub objects_read: usize,
    /// The objects checked against the recorded shapes (`baseline`'s sample).
    pub objects_checked: usize,
    /// Per table, what the commit creates, changes, deletes and leaves.
    pub tables: BTreeMap<String, TableSummary>,
    /// Whether anything was written.
    pub committed: bool,
    /// Why the commit was not written in one fenced batch, if it was not: it was then
    /// staged, or, where `in_place`, written in place (see `crate::commit`).
    pub staged: Option<String>,
    /// Whether the commit was written in place, transaction by transaction, to be undone
    /// from the pre-upgrade image if interrupted.
    pub in_place: bool,
    /// What recovering an interrupted commit did first, if one was found.
    pub recovered: Option<Recovery>,
    /// The upgrades a rollback undid (or, dry, would undo), by run number, newest first.
    pub rolled_back: Vec<u64>,
    /// Time per phase; in JSON, `seconds`: a number of seconds per phase.
    #[serde(rename = "seconds", serialize_with = "as_seconds")]
    #[cfg_attr(feature = "json-schema", schemars(with = "BTreeMap<Phase, f64>"))]
    pub timings: BTreeMap<Phase, Duration>,
}

/// Durations as numbers of seconds, the unit scripts expect.
fn as_seconds<S: serde::Serializer>(timings: &BTreeMap<Phase, Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(timings.iter().map(|(phase, duration)| (phase, duration.as_secs_f64())))
}

/// One step of a plan or report.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ReportStep {
    /// The migration id, or `auto/<Model>/v<N>`.
    pub id: String,
    /// What kind of step it is.
    pub kind: StepKind,
    /// The release it belongs to.
    pub release: Option<String>,
    /// What it does.
    pub description: String,
    /// `"compatibility"`: `"rolling"` when code at the step's old and new versions can
    /// run side by side over the same data during the step; `"offline"` otherwise, with
    /// `"first"`: the side to upgrade first (`"code"`, `"data"` or `"together"`).
    #[serde(flatten)]
    pub rollout: RolloutFields,
    /// Why the step is offline: each direction that fails, and why.
    pub compatibility_reasons: Vec<String>,
}

impl From<&PlannedStep> for ReportStep {
    fn from(step: &PlannedStep) -> ReportStep {
        let compatibility = step.compatibility();
        ReportStep {
            id: step.id.clone(),
            kind: step.kind(),
            release: step.release.clone(),
            description: step.description.clone(),
            rollout: compatibility.rollout().into(),
            compatibility_reasons: compatibility.reasons(),
        }
    }
}

/// A model's version in the database and in this build.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelVersions {
    /// The database's version, if the database has the model.
    pub database: Option<u32>,
    /// This build's (head) version.
    pub build: u32,
}

/// What `status` shows: read from the engine's records only, not from the objects.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Whether the database carries df-schema's state.
    pub baselined: bool,
    /// Per model of this build, its versions.
    pub models: BTreeMap<String, ModelVersions>,
    /// The pending steps, in order.
    pub pending: Vec<ReportStep>,
    /// The log row of the step applied last.
    pub last_applied: Option<LogRow>,
    /// A commit that was interrupted, and so what `recover` would do: complete it
    /// (`decided`) or discard it (`undecided`).
    pub interrupted_commit: Option<Interrupted>,
}
