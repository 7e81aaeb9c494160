//! A store confined to the keys one key layout owns (see `df_schema::key_layout`). The
//! engine works on keys in Dragonflow's forms (`{table.topic}id`, …) and sees its store
//! only through this wrapper, which adds the layout's namespace to every key it reads or
//! writes, strips it from every key it scans, keeps the lease inside it, and scans only
//! the keys the layout owns: whatever else a shared database holds is never read,
//! written, imaged, counted or exported.

use super::{Fenced, Holder, LeaseState, Op, Store, StoreError};
use df_schema::KeyLayout;
use std::time::Duration;

/// `inner` as one key layout sees it.
pub struct Namespaced<'s> {
    inner: &'s mut dyn Store,
    /// Added to every key, stripped from every key scanned.
    namespace: &'static str,
    /// What every owned key starts with after the namespace: Dragonflow's layout has no
    /// namespace, so it owns the keys that start with its hash tags' `{`.
    owns: &'static str,
}

impl<'s> Namespaced<'s> {
    /// `inner` confined to what `layout` owns; moves the store's lease into it.
    pub fn new(inner: &'s mut dyn Store, layout: KeyLayout) -> Namespaced<'s> {
        let namespace = layout.namespace();
        inner.keep_lease_in(namespace);
        let owns = match layout {
            KeyLayout::Dragonflow => "{",
            KeyLayout::Application { .. } => "",
        };
        Namespaced { inner, namespace, owns }
    }

    fn key(&self, key: &str) -> String {
        [self.namespace, key].concat()
    }

    fn op(&self, op: &Op) -> Op {
        match op {
            Op::Set(key, value) => Op::Set(self.key(key), value.clone()),
            Op::Delete(key) => Op::Delete(self.key(key)),
            Op::Rename { from, to } => Op::Rename { from: self.key(from), to: self.key(to) },
        }
    }

    /// The prefix of the owned keys that start with `prefix`: the longer of the two, if
    /// one extends the other; else no key is both.
    fn within<'p>(&self, prefix: &'p str) -> Option<&'p str> {
        if prefix.starts_with(self.owns) {
            Some(prefix)
        } else if self.owns.starts_with(prefix) {
            Some(self.owns)
        } else {
            None
        }
    }

    /// `batch` with the namespace on every key: a copy, unless there is no namespace.
    fn ops<'b>(&self, batch: &'b [Op]) -> std::borrow::Cow<'b, [Op]> {
        if self.namespace.is_empty() {
            std::borrow::Cow::Borrowed(batch)
        } else {
            std::borrow::Cow::Owned(batch.iter().map(|op| self.op(op)).collect())
        }
    }
}

impl Store for Namespaced<'_> {
    fn describe(&self) -> String {
        match self.namespace {
            "" => self.inner.describe(),
            namespace => format!("{} (namespace `{namespace}`)", self.inner.describe()),
        }
    }

    /// The owned keys that start with `prefix` (after the namespace), without the namespace.
    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let Some(within) = self.within(prefix) else { return Ok(()) };
        let namespace = self.namespace.as_bytes();
        self.inner.scan(&[self.namespace, within].concat(), &mut |key, value| {
            // A store visits only keys with the prefix; one that did not is not ours.
            if let Some(key) = key.strip_prefix(namespace) {
                visit(key, value);
            }
        })
    }

    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if self.namespace.is_empty() {
            return self.inner.get_many(keys);
        }
        let keys: Vec<String> = keys.iter().map(|key| self.key(key)).collect();
        self.inner.get_many(&keys)
    }

    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        let batch = self.ops(batch);
        self.inner.write(&batch)
    }

    fn keep_lease_in(&mut self, namespace: &str) {
        let namespace = [self.namespace, namespace].concat();
        self.inner.keep_lease_in(&namespace);
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

    fn expiring(&mut self, prefix: &str) -> Result<Option<(String, u64)>, StoreError> {
        let Some(within) = self.within(prefix) else { return Ok(None) };
        let found = self.inner.expiring(&self.key(within))?;
        Ok(found.and_then(|(key, left)| Some((key.strip_prefix(self.namespace)?.to_owned(), left))))
    }

    fn watch_writes(&mut self, prefix: &str) -> Result<super::Watching, StoreError> {
        match self.within(prefix) {
            Some(within) => self.inner.watch_writes(&self.key(within)),
            None => Ok(super::Watching::Exclusive),
        }
    }

    fn foreign_writes(&mut self) -> Result<Vec<String>, StoreError> {
        let keys = self.inner.foreign_writes()?;
        Ok(keys.into_iter().filter_map(|key| key.strip_prefix(self.namespace).map(str::to_owned)).collect())
    }

    fn memory(&mut self) -> Result<Vec<super::Memory>, StoreError> {
        self.inner.memory()
    }

    fn lease(&mut self) -> Result<Option<LeaseState>, StoreError> {
        self.inner.lease()
    }

    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let batch = self.ops(batch);
        self.inner.write_if_leased(token, &batch)
    }

    fn writes_in_place(&self) -> bool {
        self.inner.writes_in_place()
    }

    fn write_in_place(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let batch = self.ops(batch);
        self.inner.write_in_place(token, &batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn keys(store: &mut dyn Store, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        store.scan(prefix, &mut |key, _| keys.push(String::from_utf8_lossy(key).into_owned())).unwrap();
        keys.sort();
        keys
    }

    #[test]
    fn an_application_layout_reads_and_writes_its_namespace_alone() {
        let mut memory = MemoryStore::new();
        memory.insert("session:42", b"x".to_vec());
        memory.insert("{lport.t1}p1", b"{\"id\":\"p1\"}".to_vec());
        let mut app = Namespaced::new(&mut memory, KeyLayout::Application { namespace: "iot:" });
        app.write(&[Op::Set("{sensor.}s1".into(), b"{}".to_vec())]).unwrap();
        assert_eq!(keys(&mut app, ""), ["{sensor.}s1"]);
        assert_eq!(app.get_many(&["{sensor.}s1".into(), "session:42".into()]).unwrap(), [Some(b"{}".to_vec()), None]);
        assert_eq!(app.describe(), "memory: (namespace `iot:`)");
        assert_eq!(keys(&mut memory, ""), ["iot:{sensor.}s1", "session:42", "{lport.t1}p1"]);
    }

    #[test]
    fn dragonflows_layout_owns_the_keys_that_start_with_a_hash_tag() {
        let mut memory = MemoryStore::new();
        for key in ["session:42", "iot:{sensor.}s1", "{lport.t1}p1", "{unique_key.}lport"] {
            memory.insert(key, b"1".to_vec());
        }
        let mut dragonflow = Namespaced::new(&mut memory, KeyLayout::Dragonflow);
        assert_eq!(keys(&mut dragonflow, ""), ["{lport.t1}p1", "{unique_key.}lport"]);
        assert_eq!(keys(&mut dragonflow, "{unique_key."), ["{unique_key.}lport"]);
        assert_eq!(keys(&mut dragonflow, "session"), Vec::<String>::new(), "a prefix outside what the layout owns");
        assert_eq!(dragonflow.describe(), "memory:");
    }
}
