//! The etcd store, [`EtcdStore`]: Dragonflow's default north-bound database
//! (`etcd_nb_db_driver`), in Dragonflow's etcd key layout (see `layout`), over etcd's v3
//! JSON gateway (see `client`).
//!
//! - A scan reads pages of a range request pinned to the revision of its first page, so
//!   that what it reads is one consistent state of the database.
//! - Writes are transactions of at most `--max-txn-ops` operations (see `txn`); while the
//!   store holds the lease, each compares the lock key with its holder's value, so a
//!   runner whose lease expired writes nothing more.
//! - The lease is an etcd lease, kept alive, and a lock key created only if absent and
//!   attached to it (see `lease`): when the runner dies, the lease expires and etcd
//!   deletes the lock key.
//! - [`Store::write_if_leased`] is one fenced transaction, where the batch fits the
//!   server's limits; a larger one is declined and the engine stages it.
//! - Writes by others are found by revision (see `watch`).

mod batch;
mod client;
pub(crate) mod layout;
mod lease;
mod leased;
mod txn;
mod unchanged;
mod watch;

use super::{Fenced, Holder, LeaseState, Op, Store, StoreError, Watching};
use client::{b64, bytes, int, prefix_end, Client, Failure};
use serde_json::{json, Value};
use std::time::Duration;
use txn::{transactions, Unit, Write};

/// Settings of an [`EtcdStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdOptions {
    /// Prepended to every etcd key (Dragonflow's driver uses none).
    pub prefix: String,
    /// Operations per transaction the server allows (`--max-txn-ops`, 128 by default).
    pub max_txn_ops: usize,
    /// Bytes per request the server allows (`--max-request-bytes`, 1.5 MiB by default).
    pub max_request_bytes: usize,
    /// Keys per page of a range request.
    pub page: usize,
    /// How long connecting to a member may take.
    pub connection_timeout: Duration,
    /// How long a request may take.
    pub response_timeout: Duration,
    /// The server's backend quota (`--quota-backend-bytes`, 2 GiB by default), past which
    /// it refuses writes.
    pub quota_backend_bytes: u64,
}

impl Default for EtcdOptions {
    fn default() -> EtcdOptions {
        EtcdOptions {
            prefix: String::new(),
            max_txn_ops: 128,
            max_request_bytes: 3 << 19,
            page: 1000,
            connection_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(30),
            quota_backend_bytes: 2 << 30,
        }
    }
}

/// An etcd cluster, reached through any of its members.
pub struct EtcdStore {
    client: Client,
    options: EtcdOptions,
    /// `etcd://h1:p1,h2:p2`, without credentials.
    name: String,
    /// The engine's lease key (see [`Store::keep_lease_in`]).
    lease_key: String,
    /// The lease while this store holds it.
    held: Option<lease::Held>,
    /// Writes by others being watched.
    watch: Option<watch::Watch>,
    /// The revision up to which writes by others were last checked: a fenced commit
    /// requires every key it writes to be unchanged since.
    checked: Option<i64>,
    /// The etcd keys this store wrote since `checked`: unchanged by anyone else, though
    /// their revision is later.
    since_check: std::collections::BTreeSet<Vec<u8>>,
    /// The etcd keys of the last scan of the whole engine span, sorted: which keys lie
    /// next to each other (see `unchanged`).
    scanned: Vec<Vec<u8>>,
}

impl EtcdStore {
    /// Connects to the members `endpoints` (`host:port`), logging in as `credentials`
    /// where given, and checks that one answers.
    pub fn connect(endpoints: &[String], credentials: Option<(String, String)>, options: EtcdOptions) -> Result<EtcdStore, StoreError> {
        let name = format!("etcd://{}", endpoints.join(","));
        if endpoints.is_empty() {
            return Err(StoreError::Backend { store: name, message: "no etcd member given".to_owned() });
        }
        if options.max_txn_ops < 2 || options.page == 0 {
            return Err(StoreError::Backend { store: name, message: "max-txn-ops must be at least 2, and the page size at least 1".to_owned() });
        }
        let client = Client::new(endpoints, credentials, options.connection_timeout, options.response_timeout);
        let mut store = EtcdStore { client, options, name, lease_key: crate::records::lease_key(), held: None, watch: None, checked: None, since_check: std::collections::BTreeSet::new(), scanned: Vec::new() };
        store.revision()?;
        Ok(store)
    }

    fn failed(&self, what: &str, failure: Failure) -> StoreError {
        StoreError::Backend { store: self.name.clone(), message: format!("{what}: {failure}") }
    }

    fn post(&mut self, what: &str, path: &str, body: &Value) -> Result<Value, StoreError> {
        self.client.post(path, body).map_err(|failure| self.failed(what, failure))
    }

    /// A transaction of range requests only, which any member may answer.
    fn read_txn(&mut self, what: &str, reads: Vec<Value>) -> Result<Vec<Value>, StoreError> {
        let reply = self.client.read("/v3/kv/txn", &json!({ "success": reads })).map_err(|failure| self.failed(what, failure))?;
        Ok(reply["responses"].as_array().cloned().unwrap_or_default())
    }

    /// The etcd key of an engine key.
    fn etcd_key(&self, key: &str) -> Vec<u8> {
        [self.options.prefix.as_bytes(), layout::to_etcd(key).as_bytes()].concat()
    }

    /// How many keys `[start, end)` holds at revision `at`.
    fn count(&mut self, start: &[u8], end: &[u8], at: i64) -> Result<i64, StoreError> {
        let request = json!({ "key": b64(start), "range_end": b64(end), "count_only": true, "revision": at.to_string() });
        Ok(int(&self.post("counting keys", "/v3/kv/range", &request)?["count"]))
    }

    /// The cluster's current revision.
    fn revision(&mut self) -> Result<i64, StoreError> {
        let reply = self.post("reading the revision", "/v3/kv/range", &json!({ "key": b64(b"\0"), "count_only": true }))?;
        Ok(int(&reply["header"]["revision"]))
    }

    /// Reads every key in `[start, end)` at one revision (the first page's, or `at`), in
    /// pages; `keys_only` leaves the values out. Calls `visit` with each key-value record.
    fn range(&mut self, start: &[u8], end: &[u8], at: Option<i64>, keys_only: bool, visit: &mut dyn FnMut(&Value) -> Result<(), StoreError>) -> Result<i64, StoreError> {
        self.range_since(start, end, at, keys_only, None, visit)
    }

    /// [`EtcdStore::range`], of the keys written at `since` or later alone where given:
    /// etcd filters them, and only those travel.
    fn range_since(&mut self, start: &[u8], end: &[u8], at: Option<i64>, keys_only: bool, since: Option<i64>, visit: &mut dyn FnMut(&Value) -> Result<(), StoreError>) -> Result<i64, StoreError> {
        let mut from = start.to_vec();
        let mut revision = at.unwrap_or(0);
        loop {
            let mut request = json!({ "key": b64(&from), "range_end": b64(end), "limit": self.options.page, "keys_only": keys_only });
            if revision > 0 {
                request["revision"] = json!(revision.to_string());
            }
            if let Some(since) = since {
                request["min_mod_revision"] = json!(since.to_string());
            }
            let reply = self.post("reading a range of keys", "/v3/kv/range", &request)?;
            if revision == 0 {
                revision = int(&reply["header"]["revision"]);
            }
            let kvs = reply["kvs"].as_array().map_or(&[][..], Vec::as_slice);
            for kv in kvs {
                visit(kv)?;
            }
            let Some(last) = kvs.last() else { break };
            if reply["more"].as_bool() != Some(true) {
                break;
            }
            // The next page starts just after the last key read.
            from = bytes(&last["key"]).map_err(|failure| self.failed("reading a range of keys", failure))?;
            from.push(0);
        }
        Ok(revision)
    }

    /// The engine prefix's etcd range: Dragonflow's tables for a key in its forms (`{…`,
    /// or everything), else the keys that start with it as they are.
    fn span(&self, prefix: &str) -> (Vec<u8>, Vec<u8>) {
        let etcd_prefix = if prefix.is_empty() || prefix.starts_with('{') { [self.options.prefix.as_str(), "/"].concat() } else { [self.options.prefix.as_str(), prefix].concat() };
        let end = prefix_end(etcd_prefix.as_bytes());
        (etcd_prefix.into_bytes(), end)
    }

    /// Runs one transaction: `compare`, then `success` if it holds; whether it held, and
    /// the replies of `success`.
    fn txn(&mut self, what: &str, compare: Vec<Value>, success: Vec<Value>) -> Result<(bool, Vec<Value>), StoreError> {
        let reply = self.post(what, "/v3/kv/txn", &json!({ "compare": compare, "success": success }))?;
        let succeeded = reply["succeeded"].as_bool() == Some(true);
        Ok((succeeded, reply["responses"].as_array().cloned().unwrap_or_default()))
    }

    /// The values of etcd keys, in transactions of range requests.
    fn values(&mut self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let mut values = Vec::with_capacity(keys.len());
        for group in keys.chunks(self.options.max_txn_ops) {
            let reads = group.iter().map(|key| json!({ "request_range": { "key": b64(key) } })).collect();
            let replies = self.read_txn("reading keys", reads)?;
            for reply in &replies {
                match reply["response_range"]["kvs"].as_array().and_then(|kvs| kvs.first()) {
                    Some(kv) => values.push(Some(bytes(&kv["value"]).map_err(|failure| self.failed("reading keys", failure))?)),
                    None => values.push(None),
                }
            }
        }
        if values.len() != keys.len() {
            return Err(StoreError::Backend { store: self.name.clone(), message: format!("reading {} keys gave {} values", keys.len(), values.len()) });
        }
        Ok(values)
    }

    /// Notes `writes` as this store's own, for the watch and for later compares.
    fn note_own(&mut self, writes: &[Write]) {
        if let Some(watch) = &mut self.watch {
            watch.wrote(writes.iter().map(|write| write.key().to_vec()));
        }
        if self.checked.is_some() {
            self.since_check.extend(writes.iter().map(|write| write.key().to_vec()));
        }
    }

    /// Runs `writes` as one transaction that applies only if `fence` holds (the lease is
    /// ours) and, once writes by others were checked, none of their keys was written by
    /// anyone else since; says which key was, where one was.
    fn fenced(&mut self, fence: Value, writes: &[Write]) -> Result<Fenced, StoreError> {
        let spans = match self.checked {
            Some(_) => self.unchanged_spans(writes),
            None => Vec::new(),
        };
        let unchanged = self.checked.map(|revision| Self::unchanged_compares(&spans, revision)).unwrap_or_default();
        let compare: Vec<Value> = std::iter::once(fence).chain(unchanged).collect();
        // Noted before it is sent (a reply lost on the way may hide a write that was made);
        // if it is refused, these keys were not this store's writes after all.
        let fresh: Vec<Vec<u8>> = writes.iter().map(|write| write.key().to_vec()).filter(|key| !self.since_check.contains(key)).collect();
        self.note_own(writes);
        let (applied, _) = self.txn("a fenced transaction", compare, writes.iter().map(Write::request).collect())?;
        if applied {
            return Ok(Fenced::Written);
        }
        for key in &fresh {
            self.since_check.remove(key);
        }
        match self.checked.map(|revision| self.changed_in(&spans, revision)).transpose()?.flatten() {
            Some(key) => Err(StoreError::Key {
                store: self.name.clone(),
                key,
                message: "written by another client since the check for writes by others, so this transaction was refused and wrote nothing; stop every writer and run it again".to_owned(),
            }),
            None => Ok(Fenced::LeaseLost),
        }
    }
}

/// The engine key of an etcd key holding `value`, under the store's `prefix`; `None` for a
/// key outside the prefix or not in a form the engine has.
fn engine_key(prefix: &str, key: &[u8], value: &[u8]) -> Option<String> {
    let key = std::str::from_utf8(key.strip_prefix(prefix.as_bytes())?).ok()?;
    if key.starts_with('/') {
        layout::from_etcd(key, value)
    } else {
        Some(key.to_owned())
    }
}

impl Store for EtcdStore {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let (start, end) = self.span(prefix);
        let lock = self.etcd_key(&self.lease_key.clone());
        let (name, namespace) = (self.name.clone(), self.options.prefix.clone());
        let mut scanned = Vec::new();
        // Each page's records visited as they arrive, so that only one page is ever held
        // twice (as the reply and as the values visited).
        self.range(&start, &end, None, false, &mut |kv| {
            let failed = |failure: Failure| StoreError::Backend { store: name.clone(), message: format!("reading a range of keys: {failure}") };
            let key = bytes(&kv["key"]).map_err(failed)?;
            // In key order, as etcd sends them; the lock key too, so that no span of
            // compares takes it in.
            scanned.push(key.clone());
            if key == lock {
                return Ok(());
            }
            let value = bytes(&kv["value"]).map_err(failed)?;
            if let Some(engine) = engine_key(&namespace, &key, &value).filter(|engine| engine.starts_with(prefix)) {
                visit(engine.as_bytes(), value);
            }
            Ok(())
        })?;
        self.scanned = scanned;
        Ok(())
    }

    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let keys: Vec<Vec<u8>> = keys.iter().map(|key| self.etcd_key(key)).collect();
        self.values(&keys)
    }

    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        let units = self.units(batch)?;
        let fence = self.held.as_ref().map(|held| held.compare(&self.etcd_key(&self.lease_key)));
        for writes in transactions(units, self.options.max_txn_ops - usize::from(fence.is_some()), self.options.max_request_bytes) {
            self.note_own(&writes);
            let (applied, _) = self.txn("writing keys", fence.iter().cloned().collect(), writes.iter().map(Write::request).collect())?;
            if !applied {
                return Err(StoreError::Backend { store: self.name.clone(), message: "the upgrade lease is no longer this runner's, so it writes nothing more".to_owned() });
            }
        }
        Ok(())
    }

    fn keep_lease_in(&mut self, namespace: &str) {
        self.lease_key = format!("{namespace}{}", crate::records::lease_key());
    }

    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        self.take_lease(token, holder, ttl)
    }

    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.keep_lease(token, ttl)
    }

    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        self.drop_lease(token)
    }

    fn lease(&mut self) -> Result<Option<LeaseState>, StoreError> {
        self.lease_state()
    }

    /// The backend's size (every revision kept, not only the live keys) against its
    /// quota: at the quota etcd raises its NOSPACE alarm and refuses every write.
    fn memory(&mut self) -> Result<Vec<super::Memory>, StoreError> {
        let status = self.post("reading the member's status", "/v3/maintenance/status", &json!({}))?;
        Ok(vec![super::Memory {
            node: self.name.trim_start_matches("etcd://").to_owned(),
            used: u64::try_from(int(&status["dbSize"])).unwrap_or(0),
            limit: Some(self.options.quota_backend_bytes),
            policy: "noeviction".to_owned(),
            setting: "--quota-backend-bytes",
            remedy: "restart the members with a larger --quota-backend-bytes and give it as ?quota-backend-bytes=N, or compact the history and defragment (etcdctl compact, etcdctl defrag)".to_owned(),
        }])
    }

    /// A key attached to an etcd lease ends with it; the first such key (the lock key
    /// aside), named by its etcd key, with the lease's time left.
    fn expiring(&mut self, prefix: &str) -> Result<Option<(String, u64)>, StoreError> {
        let (start, end) = self.span(prefix);
        let lock = self.etcd_key(&self.lease_key);
        let Some((key, ttl)) = self.leased_key(&start, &end, &lock)? else { return Ok(None) };
        let left = u64::try_from(ttl).unwrap_or(0) * 1000;
        Ok(Some((String::from_utf8_lossy(key.strip_prefix(self.options.prefix.as_bytes()).unwrap_or(&key)).into_owned(), left)))
    }

    fn watch_writes(&mut self, prefix: &str) -> Result<Watching, StoreError> {
        let revision = self.revision()?;
        self.watch = Some(watch::Watch::new(prefix, revision));
        self.checked = None;
        Ok(Watching::Watched)
    }

    fn foreign_writes(&mut self) -> Result<Vec<String>, StoreError> {
        let Some(watch) = self.watch.take() else { return Ok(Vec::new()) };
        self.writes_since(watch)
    }

    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let Some(held) = self.held.as_ref().filter(|held| held.token == token) else { return Ok(Fenced::LeaseLost) };
        let fence = held.compare(&self.etcd_key(&self.lease_key));
        let units = self.units(batch)?;
        let mut split = transactions(units, self.options.max_txn_ops - 1, self.options.max_request_bytes);
        if split.len() > 1 {
            return Ok(Fenced::Declined(format!(
                "the batch does not fit one etcd transaction ({} operations and {} bytes at most: the server's --max-txn-ops and --max-request-bytes)",
                self.options.max_txn_ops, self.options.max_request_bytes
            )));
        }
        let writes = split.pop().unwrap_or_default();
        let fenced = self.fenced(fence, &writes);
        // The commit is made, or refused: later writes are compared no more.
        self.checked = None;
        self.since_check.clear();
        fenced
    }

    fn writes_in_place(&self) -> bool {
        true
    }

    fn write_in_place(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        let Some(held) = self.held.as_ref().filter(|held| held.token == token) else { return Ok(Fenced::LeaseLost) };
        let fence = held.compare(&self.etcd_key(&self.lease_key));
        let mut units = self.units(batch)?;
        // The deletes first, as the engine orders them (see `crate::commit`), then each
        // group in key order, so that each transaction's keys lie together and few spans
        // compare them (see `unchanged`).
        let order = |unit: &Unit| (unit.iter().any(|write| matches!(write, Write::Put(..))), unit.first().map(|write| write.key().to_vec()));
        units.sort_by_cached_key(order);
        // Room in each request for the compare of each write: its key and a revision.
        let longest = units.iter().flatten().map(|write| write.key().len()).max().unwrap_or(0);
        let room = self.options.max_request_bytes.saturating_sub(self.options.max_txn_ops * (longest + 64));
        for writes in transactions(units, self.options.max_txn_ops - 1, room) {
            match self.fenced(fence.clone(), &writes)? {
                Fenced::Written => {}
                stopped => return Ok(stopped),
            }
        }
        Ok(Fenced::Written)
    }
}
