//! Compile-time checked schema evolution for JSON models in key-value databases.
//!
//! A model is a struct annotated `#[df_model(version = N)]`. The macro compares it with
//! the schema lock (`df-schema.lock`, checked in beside `Cargo.toml`), and the build fails
//! unless every change is either recorded as a new version that the framework migrates by
//! itself (only fields added with a default, or a new model) or covered by a
//! hand-written `#[migration]`. See the README's "Changing a model" walk-through.
//!
//! ```ignore
//! use df_schema::{df_model, migration, MigrationError, NbApi};
//!
//! #[df_model(version = 2, table = "lport", release = "3.0")]
//! pub struct LogicalPort {
//!     pub id: String,
//!     pub topic: String,
//!     pub unique_key: i64,
//! }
//!
//! #[migration(model = LogicalPort, to = 2, release = "3.0",
//!             proposed_at = "2017-06-01 12:00:00", description = "tunnel_key becomes unique_key")]
//! fn lport_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
//!     nb.rename_field("lport", "tunnel_key", "unique_key")
//! }
//! ```
//!
//! # `#[df_model(…)]` keys
//!
//! - `version = N` (required): the schema version, 1 for a new model.
//! - `table = "…"`: the table, by default the struct name in `snake_case`.
//! - `release = "…"`: a release label recorded with the version.
//! - `renamed_from = "…"`: the previous table, when this version renames the table.
//! - `lock = "…"`: another lock file, relative to this source file.
//!
//! Fields: `id: String` is required (the key); `topic: String` is optional (the
//! partition). `#[df(default = <literal>)]` gives a field's JSON value when it is absent;
//! an `Option` field defaults to `null`.
//!
//! # Linking
//!
//! Models and migrations register themselves with `inventory`. A program sees the
//! registrations of every crate it links, and a crate that the program never names is
//! not linked at all: a runner binary must name each model crate once, e.g.
//! `use my_models as _;`.
//!
//! # The check a macro cannot make
//!
//! A proc macro cannot notice that a model was deleted. Put `df_schema::check_schema_lock!();`
//! in the model crate (it expands to a `#[test]`), so that `cargo test` fails when the lock
//! records a model that neither the code declares nor a `#[migration(removes = "…")]`
//! removes.

pub mod convert;
mod error;
mod lock_check;
mod model;
pub mod key_layout;
mod nb_api;
pub mod registry;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use df_schema_core as core;
pub use df_schema_derive::{df_embedded, df_model, migration};
pub use error::MigrationError;
pub use key_layout::KeyLayout;
pub use model::Model;
pub use nb_api::{fields, NbApi, Object, Stored};

/// Expands to a `#[test]` that fails when the schema lock and the crate's models and
/// migrations disagree (a recorded model deleted without a removal migration, or a
/// removal of a model that still exists). Takes an optional lock path; the default is
/// `df-schema.lock` at the crate root.
#[macro_export]
macro_rules! check_schema_lock {
    () => {
        $crate::check_schema_lock!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), "/df-schema.lock"));
    };
    ($path:expr) => {
        #[test]
        fn df_schema_lock_matches_the_code() {
            $crate::__private::assert_lock_consistent($path);
        }
    };
}
