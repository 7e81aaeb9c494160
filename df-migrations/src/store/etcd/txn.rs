//! Turning a batch of writes into etcd transactions: etcd refuses a transaction that
//! touches one key twice, or holds more than `--max-txn-ops` operations (128 by default)
//! or more than `--max-request-bytes` (1.5 MiB by default).

use serde_json::{json, Value};

use super::client::b64;

/// A write to one etcd key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Sets the key.
    Put(Vec<u8>, Vec<u8>),
    /// Deletes the key.
    Delete(Vec<u8>),
}

impl Write {
    pub fn key(&self) -> &[u8] {
        match self {
            Write::Put(key, _) | Write::Delete(key) => key,
        }
    }

    /// About what it adds to a request.
    fn bytes(&self) -> usize {
        const OVERHEAD: usize = 16;
        match self {
            Write::Put(key, value) => key.len() + value.len() + OVERHEAD,
            Write::Delete(key) => key.len() + OVERHEAD,
        }
    }

    /// The operation as a transaction's `success` list takes it.
    pub fn request(&self) -> Value {
        match self {
            Write::Put(key, value) => json!({ "request_put": { "key": b64(key), "value": b64(value) } }),
            Write::Delete(key) => json!({ "request_delete_range": { "key": b64(key) } }),
        }
    }
}

/// Writes that must land in one transaction: a rename's put of the new key and delete of
/// the old one, so that no crash leaves the value under neither.
pub type Unit = Vec<Write>;

/// The transactions that apply `units` in order, each of at most `max_ops` writes and
/// about `max_bytes`, no unit split (a unit larger than that goes alone, for etcd to
/// judge), and no key written twice in the batch: the last put of a key wins, and a put
/// wins over a delete, which happens where two keys of the engine are one etcd key (an
/// object whose topic changed; the engine never writes and deletes one key in one batch).
pub fn transactions(units: Vec<Unit>, max_ops: usize, max_bytes: usize) -> Vec<Vec<Write>> {
    // Which write of each key stays: (unit, index in it).
    let mut winner: std::collections::HashMap<Vec<u8>, (usize, usize, bool)> = std::collections::HashMap::new();
    for (u, unit) in units.iter().enumerate() {
        for (i, write) in unit.iter().enumerate() {
            let put = matches!(write, Write::Put(..));
            match winner.get(write.key()) {
                Some(&(_, _, true)) if !put => {}
                _ => {
                    winner.insert(write.key().to_vec(), (u, i, put));
                }
            }
        }
    }
    let mut transactions: Vec<Vec<Write>> = Vec::new();
    let (mut ops, mut bytes) = (0, 0);
    for (u, unit) in units.into_iter().enumerate() {
        let kept: Vec<Write> = unit.into_iter().enumerate().filter(|(i, write)| winner.get(write.key()).is_some_and(|&(wu, wi, _)| (wu, wi) == (u, *i))).map(|(_, w)| w).collect();
        if kept.is_empty() {
            continue;
        }
        let size: usize = kept.iter().map(Write::bytes).sum();
        if transactions.is_empty() || ops + kept.len() > max_ops || bytes + size > max_bytes {
            transactions.push(Vec::new());
            (ops, bytes) = (0, 0);
        }
        ops += kept.len();
        bytes += size;
        transactions.last_mut().expect("one was pushed").extend(kept);
    }
    transactions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str) -> Write {
        Write::Put(key.as_bytes().to_vec(), b"v".to_vec())
    }

    fn delete(key: &str) -> Write {
        Write::Delete(key.as_bytes().to_vec())
    }

    #[test]
    fn transactions_hold_at_most_the_limit_and_never_split_a_unit() {
        let units: Vec<Unit> = vec![vec![put("a")], vec![put("b"), delete("c")], vec![put("d")], vec![put("e"), delete("f")]];
        let split = transactions(units, 3, usize::MAX);
        assert_eq!(split, [vec![put("a"), put("b"), delete("c")], vec![put("d"), put("e"), delete("f")]]);
        // By size too: each write here is about 18 bytes.
        assert_eq!(transactions(vec![vec![put("a")], vec![put("b")]], 100, 20).len(), 2);
        // A unit over the limit goes alone.
        assert_eq!(transactions(vec![vec![put("a"), put("b")]], 1, usize::MAX), [vec![put("a"), put("b")]]);
        assert!(transactions(Vec::new(), 3, 10).is_empty());
    }

    #[test]
    fn a_key_is_written_once_a_put_winning_over_a_delete() {
        let units: Vec<Unit> = vec![vec![put("a")], vec![delete("a")], vec![delete("b")], vec![Write::Put(b"b".to_vec(), b"2".to_vec())], vec![put("c")], vec![Write::Put(b"c".to_vec(), b"3".to_vec())]];
        assert_eq!(transactions(units, 128, usize::MAX), [vec![put("a"), Write::Put(b"b".to_vec(), b"2".to_vec()), Write::Put(b"c".to_vec(), b"3".to_vec())]]);
    }
}
