//! An in-memory store for tests. Clones share the same data, like two connections to one
//! server, so that tests can run two runners against it.

use super::{Holder, Op, Store, StoreError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Inner {
    data: BTreeMap<String, Vec<u8>>,
    lease: Option<(String, Holder, Instant)>,
}

/// See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock leaves consistent data: every
        // method completes its change before it returns.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Everything stored, for tests to compare states byte for byte.
    pub fn dump(&self) -> BTreeMap<String, Vec<u8>> {
        self.inner().data.clone()
    }

    /// Forgets the lease, as its expiry would after a runner died holding it.
    pub fn release_all_leases(&self) {
        self.inner().lease = None;
    }

    /// Stores a value as it is, for tests to seed a database.
    pub fn insert(&self, key: &str, value: impl Into<Vec<u8>>) {
        self.inner().data.insert(key.to_owned(), value.into());
    }
}

impl Inner {
    fn lease_is(&self, token: &str) -> bool {
        matches!(&self.lease, Some((t, _, expires)) if t == token && *expires > Instant::now())
    }
}

impl Store for MemoryStore {
    fn describe(&self) -> String {
        "memory:".to_owned()
    }

    fn scan(&mut self, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let data = self.inner().data.clone();
        for (key, value) in data {
            visit(key.as_bytes(), value);
        }
        Ok(())
    }

    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let inner = self.inner();
        Ok(keys.iter().map(|k| inner.data.get(k).cloned()).collect())
    }

    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        let mut inner = self.inner();
        for op in batch {
            match op {
                Op::Set(key, value) => inner.data.insert(key.clone(), value.clone()),
                Op::Delete(key) => inner.data.remove(key),
                Op::Copy { from, to } => match inner.data.get(from).cloned() {
                    Some(value) => inner.data.insert(to.clone(), value),
                    None => None,
                },
                Op::Rename { from, to } => match inner.data.remove(from) {
                    Some(value) => inner.data.insert(to.clone(), value),
                    None => return Err(StoreError::Key { store: self.describe(), key: from.clone(), message: "no such key to rename".into() }),
                },
            };
        }
        Ok(())
    }

    fn atomic_batches(&self) -> bool {
        true
    }

    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        let mut inner = self.inner();
        match &inner.lease {
            Some((t, current, expires)) if t != token && *expires > Instant::now() => Ok(Some(current.clone())),
            _ => {
                inner.lease = Some((token.to_owned(), holder.clone(), Instant::now() + ttl));
                Ok(None)
            }
        }
    }

    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        if !inner.lease_is(token) {
            return Ok(false);
        }
        if let Some((_, _, expires)) = &mut inner.lease {
            *expires = Instant::now() + ttl;
        }
        Ok(true)
    }

    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        let mut inner = self.inner();
        if inner.lease_is(token) {
            inner.lease = None;
        }
        Ok(())
    }

    fn set_if_leased(&mut self, token: &str, key: &str, value: &[u8]) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        if !inner.lease_is(token) {
            return Ok(false);
        }
        inner.data.insert(key.to_owned(), value.to_vec());
        Ok(true)
    }
}
