//! Test support: private Redis servers and the store contract.
#![allow(dead_code, unused_imports)] // Each test crate uses part of it.

pub mod contract;
pub use df_testkit::redis_server;
