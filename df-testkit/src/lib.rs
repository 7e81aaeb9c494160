//! Test support shared by the engine's and the runner's integration tests and by the
//! fault campaign (`df-bench faults`). A crate of its own so that all of them use one
//! harness for private Redis servers, one crash driver and one way to compare database
//! states, instead of copies.

pub mod crash;
pub mod dragonflow;
pub mod redis_server;
pub mod states;
