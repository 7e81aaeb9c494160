//! The `Model` trait that `#[df_model]` implements.

use df_schema_core::ModelHistory;
use serde::{de::DeserializeOwned, Serialize};

/// A stored model at its head (current) version. Implemented by `#[df_model]`; do not
/// implement it by hand, since the constants must agree with the schema lock.
pub trait Model: Serialize + DeserializeOwned + 'static {
    /// The struct name, which identifies the model in the lock and in the database.
    const NAME: &'static str;
    /// The table its objects are stored in at this version.
    const TABLE: &'static str;
    /// The head version.
    const VERSION: u32;
    /// The head version's schema fingerprint.
    const FINGERPRINT: &'static str;
    /// Whether objects carry a `topic` (their partition in the key).
    const HAS_TOPIC: bool;

    /// Every recorded version, from the schema lock, up to and including the head.
    fn history() -> &'static ModelHistory;

    /// The object's key.
    fn id(&self) -> &str;

    /// The object's partition (`""` for models without a topic).
    fn topic(&self) -> &str;
}
