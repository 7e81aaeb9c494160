//! What generated code and the engine use. Not public API: the macros refer to these
//! items through `::df_schema::__private`, so a user's crate never needs `serde` or
//! `inventory` as direct dependencies, and a user's item named like one of ours cannot
//! capture them; `df-migrations` reaches the engine's side of `NbApi` here, so that
//! migration authors see only their own verbs.

pub use crate::nb_api::{BadObject, EngineNb, EngineStored};
#[path = "decimal.rs"]
pub mod decimal;
#[path = "parallel.rs"]
pub mod parallel;
pub use crate::registry::{EmbeddedEntry, MigrationEntry, MigrationFn, MigrationTarget, ModelEntry};
pub use df_schema_core::ModelHistory;
pub use inventory;
pub use serde;
pub use std::sync::OnceLock;

/// The shape of a `#[df_embedded]` struct, in the lock's type syntax.
pub trait Embedded {
    const SHAPE: &'static str;
}

/// Implemented for a model by the `#[migration]` of its step to version `N`. Named for
/// the compiler's message when two migrations claim the same step ("conflicting
/// implementations of trait `OnlyOneMigrationPerStep<2>` for type `LogicalPort`").
pub trait OnlyOneMigrationPerStep<const N: u32> {}

/// `Probe::<M, N>::COVERED` is true exactly when `M: OnlyOneMigrationPerStep<N>`: the inherent
/// constant exists only under that bound, and otherwise the path resolves to
/// `NotCovered::COVERED`. This works for the concrete types the macros name.
pub struct Probe<M: ?Sized, const N: u32>(core::marker::PhantomData<M>);

impl<M: ?Sized + OnlyOneMigrationPerStep<N>, const N: u32> Probe<M, N> {
    pub const COVERED: bool = true;
}

pub trait NotCovered {
    const COVERED: bool = false;
}

impl<M: ?Sized, const N: u32> NotCovered for Probe<M, N> {}

/// String equality in constant evaluation.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A field's recorded default. The macro checked at compile time that the JSON fits the
/// field's type, so a failure here means the lock and the code disagree, which the
/// compile-time checks exclude.
pub fn recorded_default<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("df-schema: the recorded default {json} does not decode: {e}"))
}

/// A recorded default read through a field's `#[serde(with = …)]` adapter, as
/// [`recorded_default`] reads one without.
pub fn recorded_default_with<T>(json: &str, read: impl FnOnce(serde_json::Value) -> Result<T, serde_json::Error>) -> T {
    serde_json::from_str(json).and_then(read).unwrap_or_else(|e| panic!("df-schema: the recorded default {json} does not decode: {e}"))
}

/// A model's history from the lock fragment the macro embedded (written by the same lock
/// writer, so parsing it cannot fail unless the binary was tampered with).
pub fn recorded_history(model: &str, lock_text: &str) -> ModelHistory {
    let lock = df_schema_core::Lock::parse(lock_text)
        .unwrap_or_else(|e| panic!("df-schema: the embedded history of {model} does not parse: {e}"));
    lock.models.get(model).cloned().unwrap_or_default()
}

/// `Model::history` of a generated impl: the history parsed on first use. Not generic, so
/// that a crate of many models compiles the lazy initialization once, not once per model
/// (a closure per model made `OnceLock::get_or_init` a new instantiation every time).
pub fn history_once(cell: &'static OnceLock<ModelHistory>, model: &str, lock_text: &str) -> &'static ModelHistory {
    cell.get_or_init(|| recorded_history(model, lock_text))
}

pub use crate::lock_check::assert_lock_consistent;

#[cfg(test)]
mod tests {
    use super::*;

    struct Covered;
    struct Uncovered;
    impl OnlyOneMigrationPerStep<2> for Covered {}

    #[test]
    fn probe_sees_exactly_the_implemented_steps() {
        const { assert!(Probe::<Covered, 2>::COVERED) };
        const { assert!(!Probe::<Covered, 3>::COVERED) };
        const { assert!(!Probe::<Uncovered, 2>::COVERED) };
    }

    #[test]
    fn const_str_eq() {
        const { assert!(str_eq("{a: str}", "{a: str}")) };
        assert!(!str_eq("{a: str}", "{a: int}"));
        assert!(!str_eq("a", "ab"));
    }
}
