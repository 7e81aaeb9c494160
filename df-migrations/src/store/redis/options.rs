//! [`RedisOptions`], the settings both Redis stores take, and the check that refuses
//! settings the client cannot use before any connection is tried.

use super::errors::backend;
use crate::store::StoreError;
use std::time::Duration;

/// Connection settings of the Redis stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Commands per pipeline (`GET`s of a scan or of `get_many`, `SET`/`DEL`s of a write),
    /// and the `COUNT` hint of each `SCAN`. Default 1000.
    pub batch_size: usize,
    /// How long connecting may take, handshake and a first `PING` included, before the
    /// store gives up with an error. Default 5 s.
    pub connection_timeout: Duration,
    /// How long the store waits for any reply (a whole pipeline's included) before it
    /// gives up with an error; the reply to a long transaction's `EXEC` gets ten times
    /// as long as queueing it took, if that is more. Default 30 s.
    pub response_timeout: Duration,
    /// Whether a single server (7.0 or later) runs a commit as one `MULTI`/`EXEC`
    /// transaction (see [`RedisStore`](super::RedisStore)). Off, it declines, and commits
    /// are staged: the server never pauses for a commit, but readers may see a mix of old
    /// and new objects while it rolls forward. Default on. A cluster always stages.
    pub transactions: bool,
}

impl RedisOptions {
    /// The default [`RedisOptions::batch_size`].
    pub const DEFAULT_BATCH_SIZE: usize = 1000;
    /// The default [`RedisOptions::connection_timeout`].
    pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default [`RedisOptions::response_timeout`].
    pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

    /// Refuses settings the client cannot use (a zero batch or timeout).
    pub(super) fn check(&self, store: &str) -> Result<(), StoreError> {
        let problem = if self.batch_size == 0 {
            "the batch size must be at least 1"
        } else if self.connection_timeout.is_zero() {
            "the connection timeout must not be zero"
        } else if self.response_timeout.is_zero() {
            "the response timeout must not be zero"
        } else {
            return Ok(());
        };
        Err(backend(store, problem))
    }
}

impl Default for RedisOptions {
    fn default() -> RedisOptions {
        RedisOptions {
            batch_size: RedisOptions::DEFAULT_BATCH_SIZE,
            connection_timeout: RedisOptions::DEFAULT_CONNECTION_TIMEOUT,
            response_timeout: RedisOptions::DEFAULT_RESPONSE_TIMEOUT,
            transactions: true,
        }
    }
}
