//! The Dragonflow 2.0 database that the engine's tests and the crash driver upgrade, and
//! the engine set up the same way for each of them (Dragonflow's models, a fixed
//! `applied_at` so that two upgrades of the same data write the same bytes).

use df_migrations::store::{Op, Store, StoreError};
use df_migrations::{Build, Engine, UpgradeOptions};

// Names the model crate, which links its models and migrations into every program that
// uses this module (see `df_schema::registry`).
use dragonflow_models as _;

/// The `applied_at` of every upgrade these helpers run.
pub const APPLIED_AT: &str = "2026-11-25T12:00:00Z";

/// Writes the Dragonflow 2.0 database (`dragonflow_fixtures`) into `store`.
pub fn seed(store: &mut dyn Store) -> Result<(), StoreError> {
    let ops: Vec<Op> = dragonflow_fixtures::release_2_0_store().into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    store.write(&ops)
}

/// A full upgrade at [`APPLIED_AT`].
pub fn options() -> UpgradeOptions {
    UpgradeOptions { applied_at: Some(APPLIED_AT.to_owned()), init: true, ..UpgradeOptions::default() }
}

/// The engine with every model and migration linked into this program.
pub fn engine(store: &mut dyn Store) -> Engine<'_> {
    Engine::new(store, Build::linked().expect("Dragonflow's models are one model set"))
}
