//! A batch of the engine's writes as etcd writes: what each key ends as, applied in order,
//! and a rename's two keys kept in one transaction. etcd has no rename and refuses a
//! transaction that touches a key twice, so a batch is resolved before it is split.

use super::txn::{Unit, Write};
use super::EtcdStore;
use crate::store::{Op, StoreError};

impl EtcdStore {
    /// `batch` as units of etcd writes that leave each key as the batch applied in order
    /// would: what a key ends as counts, and a rename moves the value its source has at
    /// that point of the batch (read from etcd if the batch did not write it before). A
    /// rename whose two keys end as it left them is one unit, so that no crash leaves its
    /// value under neither key.
    pub(super) fn units(&mut self, batch: &[Op]) -> Result<Vec<Unit>, StoreError> {
        let mut written = std::collections::HashSet::new();
        let mut unread = Vec::new();
        for op in batch {
            if let Op::Rename { from, .. } = op {
                if !written.contains(from.as_str()) {
                    unread.push(from.clone());
                }
                written.insert(from.as_str());
            }
            written.insert(op.key());
        }
        let keys: Vec<Vec<u8>> = unread.iter().map(|key| self.etcd_key(key)).collect();
        let mut stored: std::collections::HashMap<String, Option<Vec<u8>>> = unread.into_iter().zip(self.values(&keys)?).collect();
        let mut ends = Ends::default();
        for (index, op) in batch.iter().enumerate() {
            match op {
                Op::Set(key, value) => ends.settle(key, Some(value.clone()), None),
                Op::Delete(key) => ends.settle(key, None, None),
                Op::Rename { from, to } => {
                    let value = if ends.wrote(from) { ends.value(from) } else { stored.remove(from).flatten() };
                    let value = value.ok_or_else(|| StoreError::Key { store: self.name.clone(), key: from.clone(), message: "a rename's source is missing".to_owned() })?;
                    ends.settle(from, None, Some(index));
                    ends.settle(to, Some(value), Some(index));
                }
            }
        }
        Ok(ends.units(|key| self.etcd_key(key)))
    }
}

/// What each key of a batch ends as, in the order keys first appear, with the rename (by
/// its index in the batch) that left it so.
#[derive(Default)]
struct Ends {
    ends: Vec<(String, Option<Vec<u8>>, Option<usize>)>,
    at: std::collections::HashMap<String, usize>,
}

impl Ends {
    fn settle(&mut self, key: &str, value: Option<Vec<u8>>, rename: Option<usize>) {
        match self.at.get(key) {
            Some(&i) => self.ends[i] = (key.to_owned(), value, rename),
            None => {
                self.at.insert(key.to_owned(), self.ends.len());
                self.ends.push((key.to_owned(), value, rename));
            }
        }
    }

    /// Whether the batch wrote `key` so far.
    fn wrote(&self, key: &str) -> bool {
        self.at.contains_key(key)
    }

    /// The value the batch gave `key` so far (`None`: deleted, or not written).
    fn value(&self, key: &str) -> Option<Vec<u8>> {
        self.at.get(key).and_then(|&i| self.ends[i].1.clone())
    }

    /// The units, `etcd_key` naming each key in etcd: a rename's two keys together where
    /// both end as it left them.
    fn units(self, etcd_key: impl Fn(&str) -> Vec<u8>) -> Vec<Unit> {
        let write = |(key, value, _): &(String, Option<Vec<u8>>, Option<usize>)| match value {
            Some(value) => Write::Put(etcd_key(key), value.clone()),
            None => Write::Delete(etcd_key(key)),
        };
        let mut renames: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for end in &self.ends {
            if let Some(rename) = end.2 {
                *renames.entry(rename).or_default() += 1;
            }
        }
        let mut units: Vec<Unit> = Vec::with_capacity(self.ends.len());
        let mut unit_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for end in &self.ends {
            match end.2.filter(|rename| renames[rename] == 2) {
                Some(rename) => match unit_of.get(&rename) {
                    Some(&u) => {
                        // The put first, then the delete of the key it moved from.
                        let w = write(end);
                        if matches!(w, Write::Put(..)) { units[u].insert(0, w) } else { units[u].push(w) }
                    }
                    None => {
                        unit_of.insert(rename, units.len());
                        units.push(vec![write(end)]);
                    }
                },
                None => units.push(vec![write(end)]),
            }
        }
        units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Vec<u8> {
        name.as_bytes().to_vec()
    }

    #[test]
    fn each_key_ends_as_the_batch_left_it_and_a_rename_stays_whole() {
        let mut ends = Ends::default();
        ends.settle("k", Some(b"first".to_vec()), None);
        ends.settle("gone", Some(b"x".to_vec()), None);
        ends.settle("k", Some(b"second".to_vec()), None);
        ends.settle("gone", None, None);
        // A rename of a key the batch wrote moves what it wrote.
        ends.settle("a", Some(b"new".to_vec()), None);
        assert!(ends.wrote("a") && !ends.wrote("b"));
        let moved = ends.value("a");
        ends.settle("a", None, Some(5));
        ends.settle("b", moved, Some(5));
        // A rename whose target is written again later is no longer one unit.
        ends.settle("c", None, Some(6));
        ends.settle("d", Some(b"v".to_vec()), Some(6));
        ends.settle("d", Some(b"w".to_vec()), None);
        let units = ends.units(key);
        assert_eq!(
            units,
            [
                vec![Write::Put(key("k"), b"second".to_vec())],
                vec![Write::Delete(key("gone"))],
                vec![Write::Put(key("b"), b"new".to_vec()), Write::Delete(key("a"))],
                vec![Write::Delete(key("c"))],
                vec![Write::Put(key("d"), b"w".to_vec())],
            ]
        );
    }
}
