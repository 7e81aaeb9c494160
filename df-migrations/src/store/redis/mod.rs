//! The Redis stores: [`RedisStore`] (one server) and [`RedisClusterStore`], both [`Redis`]
//! over a small backend that says how commands reach Redis; everything else (the lease,
//! batching, scanning, fencing) is written once, in `backend`.
//!
//! Nothing here sends a command whose size grows with the dataset: keys are listed with
//! `SCAN … COUNT`, values are read and written with pipelines of one-key `GET`/`SET`/`DEL`
//! of at most [`RedisOptions::batch_size`] commands, and a transaction's commands (see
//! `transaction`) each take at most that many keys.

mod backend;
mod cluster;
mod connection;
mod errors;
mod expiry;
mod lease;
mod memory;
mod nodes;
mod options;
mod server;
mod transaction;
mod watch;

pub use backend::Redis;
pub use cluster::{ClusterBackend, RedisClusterStore};
pub use options::RedisOptions;
pub use server::{RedisStore, ServerBackend};
