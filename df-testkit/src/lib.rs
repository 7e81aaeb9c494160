//! Test support shared by the engine's and the runner's integration tests. A crate of its
//! own so that both use one harness for private Redis servers instead of two copies.

pub mod redis_server;
