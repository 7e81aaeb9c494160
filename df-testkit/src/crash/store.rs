//! A store wrapper that fails at a chosen write, the way a runner that dies part-way
//! through a commit leaves its store.

use df_migrations::store::{Fenced, Holder, Op, Store, StoreError};
use std::time::Duration;

/// How the wrapped store's writes behave when the crash comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Every batch is all-or-nothing (redb; the memory store).
    Atomic,
    /// A batch stops part-way, as a Redis pipeline does; a batch under the lease is the
    /// store's own affair (a Redis server runs it as one transaction).
    PartWay,
    /// Part-way, and a batch under the lease of more than one key is declined, as a Redis
    /// Cluster declines it: the engine stages its commits.
    Staged,
    /// Part-way, and a batch under the lease of more than [`IN_PLACE_BATCH`] writes is
    /// declined, as etcd declines one past its transaction limits: the engine writes its
    /// commits in place.
    InPlace,
}

/// The most writes a [`Writes::InPlace`] store takes in one batch under the lease.
pub const IN_PLACE_BATCH: usize = 8;

/// A store that fails at its `fail_at`-th write operation: the ops of a batch before it
/// are applied (as a pipeline that stops part-way would), unless the store applies
/// batches atomically, in which case the whole batch is lost. A write under the lease
/// counts as one operation, applied whole when the crash comes at it (the runner dies
/// before it hears so; the state without it is that of a crash at the write before). The
/// store then refuses every further write, like a dead process.
pub struct CrashingStore<S> {
    /// The store written to until the crash.
    pub inner: S,
    /// The write operation to crash before, counting every operation of every batch from
    /// 0.
    pub fail_at: usize,
    /// How many write operations were counted so far; the crash comes when they reach
    /// `fail_at`.
    pub writes: usize,
    /// How `inner`'s writes behave when the crash comes.
    pub mode: Writes,
}

impl<S: Store> CrashingStore<S> {
    /// `inner`, to crash before its write operation `fail_at`, none counted yet.
    pub fn new(inner: S, fail_at: usize, mode: Writes) -> Self {
        CrashingStore { inner, fail_at, writes: 0, mode }
    }

    /// Applies the ops of `batch` before the crash, counting them, with `apply`; the
    /// crash's error if it comes within the batch.
    fn counted(&mut self, batch: &[Op], apply: impl FnOnce(&mut S, &[Op]) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let room = self.fail_at.saturating_sub(self.writes);
        if batch.len() < room {
            self.writes += batch.len();
            return apply(&mut self.inner, batch);
        }
        if self.mode != Writes::Atomic {
            apply(&mut self.inner, &batch[..room])?;
        }
        self.writes = self.fail_at;
        Err(self.crash())
    }

    fn crash(&self) -> StoreError {
        StoreError::Backend { store: self.inner.describe(), message: format!("simulated crash before write {}", self.fail_at) }
    }
}

impl<S: Store> Store for CrashingStore<S> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        self.inner.scan(prefix, visit)
    }
    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.inner.get_many(keys)
    }
    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        self.counted(batch, S::write)
    }
    fn keep_lease_in(&mut self, namespace: &str) {
        self.inner.keep_lease_in(namespace);
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
    fn lease(&mut self) -> Result<Option<df_migrations::store::LeaseState>, StoreError> {
        self.inner.lease()
    }
    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let most = match self.mode {
            Writes::Staged => 1,
            Writes::InPlace => IN_PLACE_BATCH,
            Writes::Atomic | Writes::PartWay => usize::MAX,
        };
        if batch.len() > most {
            return Ok(Fenced::Declined(format!("this test store declines a batch of more than {most} writes")));
        }
        if self.writes >= self.fail_at {
            return Err(self.crash());
        }
        self.writes += 1;
        let fenced = self.inner.write_if_leased(token, batch)?;
        if self.writes == self.fail_at {
            // Applied, but the runner died before it heard so.
            return Err(self.crash());
        }
        Ok(fenced)
    }

    fn writes_in_place(&self) -> bool {
        match self.mode {
            Writes::InPlace => true,
            Writes::Staged => false,
            Writes::Atomic | Writes::PartWay => self.inner.writes_in_place(),
        }
    }
    /// Part-way, each op counted as a write: what a crash between two of the store's
    /// transactions leaves, and more.
    fn write_in_place(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let mut fenced = Fenced::Written;
        self.counted(batch, |inner, ops| {
            if inner.writes_in_place() {
                fenced = inner.write_in_place(token, ops)?;
                Ok(())
            } else {
                inner.write(ops)
            }
        })?;
        Ok(fenced)
    }
}
