//! An in-memory store for tests. Clones share the same data, like two connections to one
//! server, so that tests can run two runners against it.

use super::{Fenced, Holder, LeaseState, Op, Store, StoreError};
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
    /// An empty store, with no lease taken.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock leaves consistent data: every
        // method completes its change before it returns.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
    /// Applies the ops in order; a failure names its key.
    fn apply(&mut self, batch: &[Op]) -> Result<(), (String, String)> {
        for op in batch {
            match op {
                Op::Set(key, value) => drop(self.data.insert(key.clone(), value.clone())),
                Op::Delete(key) => drop(self.data.remove(key)),
                Op::Rename { from, to } => {
                    let value = self.data.remove(from).ok_or_else(|| (from.clone(), "no such key to rename".to_owned()))?;
                    self.data.insert(to.clone(), value);
                }
            }
        }
        Ok(())
    }

    fn lease_is(&self, token: &str) -> bool {
        matches!(&self.lease, Some((t, _, expires)) if t == token && *expires > Instant::now())
    }
}

impl Store for MemoryStore {
    fn describe(&self) -> String {
        "memory:".to_owned()
    }

    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let data: Vec<(String, Vec<u8>)> =
            self.inner().data.range(prefix.to_owned()..).take_while(|(key, _)| key.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect();
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
        let store = self.describe();
        self.inner().apply(batch).map_err(|(key, message)| StoreError::Key { store, key, message })
    }

    fn lease(&mut self) -> Result<Option<LeaseState>, StoreError> {
        let now = Instant::now();
        Ok(self.inner().lease.as_ref().filter(|(_, _, expires)| *expires > now).map(|(token, holder, expires)| LeaseState {
            holder: holder.clone(),
            token: Some(token.clone()),
            expires_in: Some(*expires - now),
        }))
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

    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let mut inner = self.inner();
        if !inner.lease_is(token) {
            return Ok(Fenced::LeaseLost);
        }
        // All-or-nothing: only a rename of a missing key can fail part-way.
        let before = batch.iter().any(|op| matches!(op, Op::Rename { .. })).then(|| inner.data.clone());
        if let Err((key, message)) = inner.apply(batch) {
            if let Some(before) = before {
                inner.data = before;
            }
            return Err(StoreError::Key { store: self.describe(), key, message });
        }
        Ok(Fenced::Written)
    }
}
