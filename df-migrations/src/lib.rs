//! The migration engine of df-schema.
//!
//! The policy lives in pure functions, tested without a database: [`plan()`] decides, from
//! what a database has applied and what this build knows, which steps are pending and in
//! what order, and refuses when the two histories disagree.

pub mod layout;
mod plan;
pub mod store;

pub use plan::{
    plan, Applied, BuildMigration, BuildModel, DbModel, DbState, Plan, PlanProblem, PlanRefused, PlannedStep, StepKind,
    Target,
};
