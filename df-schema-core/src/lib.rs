//! The schema logic of df-schema as ordinary code: normalized types, fingerprints, the
//! schema lock, schema diffs and the version rules.
//!
//! Both the `#[df_model]` macro (at compile time) and the runtime (at upgrade time) use
//! this crate, so that a schema is read, fingerprinted and compared in exactly one way,
//! and so that all of it is unit-tested without a compiler.

mod check;
pub mod compat;
mod diff;
mod fingerprint;
mod lock;
mod model_set;
mod registry_check;
mod schema;
#[cfg(test)]
mod test_support;
mod time;
mod ty;

pub use check::{check_model, steps_of, Mode, ModelDecl, RuleError, Verdict};
pub use diff::{diff, likely_renames, Change, Step};
pub use fingerprint::{canonical_json, digest_hex, fingerprint};
pub use lock::{Lock, LockError, ModelHistory, VersionRecord, LOCK_FILE_NAME};
pub use model_set::{check_model_set, reserved_table, LinkedLayout, LinkedModel, LinkedRelease, ModelSetError, RESERVED_TABLES};
pub use registry_check::{check_lock_coverage, CoverageError};
pub use schema::{Field, VersionSchema};
pub use time::{format_timestamp, parse_timestamp, TIMESTAMP_FORMATS};
pub use ty::{IntWidth, Ty, TyParseError};
