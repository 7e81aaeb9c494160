//! A store wrapper that fails at a chosen write, the way a runner that dies part-way
//! through a commit leaves its store.

use df_migrations::store::{Holder, Op, Store, StoreError};
use std::time::Duration;

/// A store that fails at its `fail_at`-th write operation: the ops of a batch before it
/// are applied (as a pipeline that stops part-way would), unless the store applies
/// batches atomically, in which case the whole batch is lost. A fenced write counts as
/// one operation. It then refuses every further write, like a dead process.
pub struct CrashingStore<S> {
    pub inner: S,
    pub fail_at: usize,
    pub writes: usize,
    pub atomic: bool,
}

impl<S: Store> CrashingStore<S> {
    pub fn new(inner: S, fail_at: usize, atomic: bool) -> Self {
        CrashingStore { inner, fail_at, writes: 0, atomic }
    }

    fn crash(&self) -> StoreError {
        StoreError::Crash { store: self.inner.describe(), index: self.fail_at }
    }
}

impl<S: Store> Store for CrashingStore<S> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn scan(&mut self, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        self.inner.scan(visit)
    }
    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.inner.get_many(keys)
    }
    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        let room = self.fail_at.saturating_sub(self.writes);
        if batch.len() < room {
            self.writes += batch.len();
            return self.inner.write(batch);
        }
        if !self.atomic {
            self.inner.write(&batch[..room])?;
        }
        self.writes = self.fail_at;
        Err(self.crash())
    }
    fn atomic_batches(&self) -> bool {
        self.atomic
    }
    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        self.inner.acquire_lease(token, holder, ttl)
    }
    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.inner.renew_lease(token, ttl)
    }
    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        self.inner.release_lease(token)
    }
    fn set_if_leased(&mut self, token: &str, key: &str, value: &[u8]) -> Result<bool, StoreError> {
        if self.writes >= self.fail_at {
            return Err(self.crash());
        }
        self.writes += 1;
        self.inner.set_if_leased(token, key, value)
    }
}
