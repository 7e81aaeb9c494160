//! Test support shared by the engine's and the runner's integration tests and by the
//! fault campaign (`df-faults`), and by the benchmarks. A crate of its own so that all of
//! them use one harness for private Redis servers, one crash driver, one way to compare
//! database states and one way to start runner processes, instead of copies.

pub mod build;
pub mod crash;
pub mod dragonflow;
pub mod etcd_server;
pub mod machine;
pub mod redis_server;
pub mod runner;
pub mod servers;
pub mod states;
