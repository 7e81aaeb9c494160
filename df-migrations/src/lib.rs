//! The migration engine of df-schema.
//!
//! An upgrade takes the store's lease, reads the whole database into memory (recovering
//! an interrupted commit first), keeps an image of what it read for rollback, plans, runs
//! the steps on the in-memory copy, validates every object, and commits all-or-nothing.
//!
//! The policy lives in pure functions, tested without a database: [`plan()`] decides, from
//! what a database has applied and what this build knows, which steps are pending and in
//! what order, and refuses when the two histories disagree.

mod app;
mod commit;
mod diagnostic;
mod engine;
pub mod fleet;
mod error;
mod image;
pub mod layout;
mod lease;
mod linked;
mod plan;
pub mod records;
mod run;
mod runs;
mod snapshot;
pub mod store;
pub mod transfer;
mod validate;
mod writes;

pub use app::{migrate, AppError, Database, Migrator, NotMigrated, Startup};
pub use commit::{Interrupted, Recovery};
pub use engine::{BaselineAt, Engine, Event, History, Pruned, ModelVersions, Phase, Report, ReportStep, RollbackOptions, Status, Stop, UpgradeOptions};
pub use diagnostic::{Diagnostic, Ids};
pub use error::{EngineError, Invalid};
pub use linked::{Build, CollidingModels};
pub use plan::{limit_to_release, plan, release_cmp, Plan, PlanProblem, PlanRefused, PlannedStep, StepKind, StepWork};
pub use image::chunk_entries;
pub use runs::DEFAULT_KEPT_IMAGES;
pub use writes::TableSummary;
