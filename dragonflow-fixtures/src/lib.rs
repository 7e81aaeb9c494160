//! Dragonflow databases to upgrade: fixed snapshots of a small deployment at 2.0 and at
//! 5.0, and a generator of realistic 2.0 deployments of any size. Test data for the
//! Dragonflow runner's demo and tests, the engine's tests, the benchmarks and the fault
//! campaign; kept apart from `dragonflow-models`, the crate users copy, so that the model
//! crate holds models and nothing else.

mod generate;
mod rng;
mod snapshots;

pub use generate::generate;
pub use rng::SplitMix64;
pub use snapshots::{release_2_0_objects, release_2_0_store, release_5_0_objects, RELEASE_2_0_COUNTERS, RELEASE_5_0_COUNTERS};
