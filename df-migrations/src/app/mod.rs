//! The application API: what an application that keeps its models in a df-schema
//! database calls, as opposed to the operator's runner. [`migrate`] (or a [`Migrator`])
//! brings the database to the build's schema at start-up, safely when many instances
//! start at once; a [`Database`] then reads and writes the models, typed, in the engine's
//! key layout, and refuses a database that is not at the build's schema.


mod counter;
mod database;
mod error;
mod startup;

pub use database::Database;
pub use error::{AppError, NotMigrated};
pub use startup::{migrate, Migrator, Startup};
