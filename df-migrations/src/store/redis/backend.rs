//! The one implementation of [`Store`] for Redis, in [`Redis`], over the small [`Backend`]
//! trait: how commands reach a single server or a cluster is all that differs between the
//! two stores, so the lease, batching, scanning and fencing are written once.

use super::errors::{backend, describe_error, key_error};
use super::expiry;
use super::lease::{decode_lease, encode_lease, millis, LEASE_KEY, RELEASE, RENEW, SET_IF_LEASED};
use super::transaction::{grouped, Transaction};
use super::nodes::Node;
use super::watch::Watch;
use super::RedisOptions;
use crate::store::{Fenced, Holder, LeaseState, Op, Store, StoreError, Watching};
use redis::{Cmd, RedisError, Value};
use std::time::Duration;

/// How a store reaches Redis: the only part that differs between a server and a cluster.
///
/// Public only because the [`Store`] implementation of the public [`Redis`] is bounded by
/// it; this module is private, so no other crate can name or implement it. Its
/// implementations are [`ServerBackend`](super::ServerBackend) and
/// [`ClusterBackend`](super::ClusterBackend).
pub trait Backend {
    /// Sends one command; on a cluster it goes to the node of its first key.
    fn query(&mut self, cmd: &Cmd) -> Result<Value, RedisError>;

    /// Sends commands on one key, or on keys of one hash tag, as one pipeline (on a
    /// cluster, one per node, each command routed by its first key) and returns their
    /// replies in order.
    fn pipeline(&mut self, cmds: Vec<Cmd>) -> Result<Vec<Value>, RedisError>;

    /// The command that renames `from` to `to` (keys of one hash tag), for a pipeline.
    fn rename(&self, from: &str, to: &str) -> Cmd {
        let mut cmd = redis::cmd("RENAME");
        cmd.arg(from).arg(to);
        cmd
    }

    /// The nodes that together hold every key (a cluster's masters), as `host:port`.
    fn scan_nodes(&mut self) -> Result<Vec<String>, RedisError>;

    /// One `SCAN cursor COUNT count` on a node of [`Backend::scan_nodes`].
    fn scan_step(&mut self, node: &str, scan: &Cmd) -> Result<(u64, Vec<Vec<u8>>), RedisError>;

    /// Refuses keys that [`SET_IF_LEASED`] cannot write together with the lease.
    fn check_leased_key(&self, _key: &str) -> Result<(), String> {
        Ok(())
    }

    /// The servers that hold the keys ([`Backend::scan_nodes`]), each with a client of
    /// its own, for what each server reports only of itself: its memory, its expiring
    /// keys, and its keyspace notifications (for [`Watch`]).
    fn nodes(&mut self) -> Result<Vec<Node>, RedisError>;

    /// Runs `cmds` as one `MULTI`/`EXEC` transaction that applies only while the lease
    /// (value `token`) is ours: it `WATCH`es the lease, so that Redis aborts the `EXEC`
    /// if the lease expired or changed in between.
    fn transaction(&mut self, lease: &str, token: &str, cmds: &mut dyn Iterator<Item = Cmd>) -> Result<Transaction, RedisError>;
}

/// A Redis store over the backend `B`: [`RedisStore`](super::RedisStore) (a single
/// server, `B` = [`ServerBackend`](super::ServerBackend)) or
/// [`RedisClusterStore`](super::RedisClusterStore) (`B` =
/// [`ClusterBackend`](super::ClusterBackend)). Every [`Store`] method is written once,
/// here, over what `B` sends.
pub struct Redis<B> {
    pub(super) backend: B,
    pub(super) options: RedisOptions,
    /// `redis://…` or `redis+cluster://…`, for [`Store::describe`] and errors.
    pub(super) name: String,
    /// The lease's key: [`LEASE_KEY`] under the namespace of [`Store::keep_lease_in`].
    pub(super) lease_key: String,
    /// Writes by others being watched, from [`Store::watch_writes`] to
    /// [`Store::foreign_writes`].
    pub(super) watch: Option<Watch>,
}

/// The glob pattern of the keys that start with `prefix`: the prefix with Redis's glob
/// characters escaped, so that a namespace is matched literally, then `*`.
pub(super) fn literal_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    pattern
}

/// `SCAN cursor [MATCH prefix*] COUNT count`.
fn scan_command(cursor: u64, prefix: &str, count: usize) -> Cmd {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(cursor);
    if !prefix.is_empty() {
        cmd.arg("MATCH").arg(literal_pattern(prefix));
    }
    cmd.arg("COUNT").arg(count);
    cmd
}

/// `GET key`, for a pipeline.
fn get(key: &[u8]) -> Cmd {
    let mut cmd = redis::cmd("GET");
    cmd.arg(key);
    cmd
}

impl<B: Backend> Redis<B> {
    fn error(&self, err: &RedisError) -> String {
        describe_error(err, &self.options)
    }

    /// Runs one pipeline of one-key commands; a command's error names its key.
    fn pipeline(&mut self, cmds: Vec<Cmd>, keys: &[&[u8]]) -> Result<Vec<Value>, StoreError> {
        let count = cmds.len();
        let replies = self.backend.pipeline(cmds).map_err(|err| {
            // A pipeline error lists the failing commands by index; any other error
            // (connection, timeout) concerns the whole pipeline.
            // The client offers no other way to tell them apart than the text of the error
            // (`Pipeline failure(s): [(Index i, error: …)]`); a one-command pipeline's error
            // is its command's in any case.
            let failed = err.to_string().starts_with("Pipeline failure") || count == 1;
            match err.clone().into_server_errors().filter(|_| failed).and_then(|errors| errors.first().cloned()) {
                Some((index, server)) if index < keys.len() => key_error(&self.name, keys[index], server.to_string()),
                _ => backend(&self.name, format!("a pipeline of {count} commands failed: {}", self.error(&err))),
            }
        })?;
        if replies.len() != count {
            return Err(backend(&self.name, format!("a pipeline of {count} commands got {} replies", replies.len())));
        }
        // Replies may carry errors too, depending on how the client was asked.
        for (reply, key) in replies.iter().zip(keys) {
            if let Value::ServerError(err) = reply {
                return Err(key_error(&self.name, key, err.to_string()));
            }
        }
        Ok(replies)
    }

    /// The values of some keys, by pipelines of `GET`.
    fn fetch(&mut self, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let mut values = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(self.options.batch_size) {
            let replies = self.pipeline(chunk.iter().map(|key| get(key)).collect(), chunk)?;
            for (reply, key) in replies.into_iter().zip(chunk) {
                values.push(match reply {
                    Value::Nil => None,
                    Value::BulkString(bytes) => Some(bytes),
                    other => return Err(key_error(&self.name, key, format!("GET replied {other:?}"))),
                });
            }
        }
        Ok(values)
    }

    /// Runs a lease script (KEYS: the lease, then `key` if given); its integer reply. An
    /// error names `key` if given (the script failed on it or on the lease guarding it),
    /// else the lease.
    fn script(&mut self, script: &str, key: Option<&str>, args: &[&[u8]]) -> Result<i64, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(1 + usize::from(key.is_some())).arg(&self.lease_key);
        if let Some(key) = key {
            cmd.arg(key);
        }
        for arg in args {
            cmd.arg(*arg);
        }
        let named = key.unwrap_or(&self.lease_key).as_bytes();
        match self.backend.query(&cmd) {
            Ok(Value::Int(n)) => Ok(n),
            Ok(other) => Err(key_error(&self.name, named, format!("the lease script replied {other:?}"))),
            Err(err) => Err(key_error(&self.name, named, format!("the lease script failed: {}", self.error(&err)))),
        }
    }

    /// Notes the keys of `batch` as this store's own writes, while writes are watched.
    fn note_own(&mut self, batch: &[Op]) {
        if let Some(watch) = &mut self.watch {
            for op in batch {
                watch.wrote(op.key().as_bytes());
                // A rename notifies of the key it moves from, too.
                if let Op::Rename { from, .. } = op {
                    watch.wrote(from.as_bytes());
                }
            }
        }
    }

    /// The servers that hold the keys, as [`Backend::nodes`] lists them.
    fn nodes(&mut self) -> Result<Vec<Node>, StoreError> {
        self.backend.nodes().map_err(|err| backend(&self.name, format!("listing the servers that hold the keys: {}", self.error(&err))))
    }

    fn lease_value(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        let lease = self.lease_key.clone();
        Ok(self.fetch(&[lease.as_bytes()])?.pop().flatten())
    }
}

impl<B: Backend> Store for Redis<B> {
    fn describe(&self) -> String {
        self.name.clone()
    }

    /// Every key but the lease, each once (SCAN may return a key twice; this drops the
    /// repeats, remembering the keys seen), with its value; a key deleted between SCAN
    /// and GET is skipped.
    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let nodes = self.backend.scan_nodes().map_err(|err| backend(&self.name, format!("listing the nodes to scan: {}", self.error(&err))))?;
        // A fast hash rather than SipHash: every key goes through this set, on the thread
        // the read waits on, so the hash's cost adds to every full read of the database.
        let mut seen: foldhash::HashSet<Vec<u8>> = foldhash::HashSet::default();
        for node in nodes {
            let mut cursor = 0;
            loop {
                let (next, keys) = self
                    .backend
                    .scan_step(&node, &scan_command(cursor, prefix, self.options.batch_size))
                    .map_err(|err| backend(&self.name, format!("SCAN on {node}: {}", self.error(&err))))?;
                let fresh: Vec<Vec<u8>> = keys.into_iter().filter(|key| key != self.lease_key.as_bytes() && seen.insert(key.clone())).collect();
                let refs: Vec<&[u8]> = fresh.iter().map(Vec::as_slice).collect();
                for (key, value) in refs.iter().zip(self.fetch(&refs)?) {
                    if let Some(value) = value {
                        visit(key, value);
                    }
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        Ok(())
    }

    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let refs: Vec<&[u8]> = keys.iter().map(std::string::String::as_bytes).collect();
        self.fetch(&refs)
    }

    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        self.note_own(batch);
        for chunk in batch.chunks(self.options.batch_size) {
            let cmds = chunk
                .iter()
                .map(|op| match op {
                    Op::Set(key, value) => {
                        let mut cmd = redis::cmd("SET");
                        cmd.arg(key).arg(value);
                        cmd
                    }
                    Op::Delete(key) => {
                        let mut cmd = redis::cmd("DEL");
                        cmd.arg(key);
                        cmd
                    }
                    Op::Rename { from, to } => self.backend.rename(from, to),
                })
                .collect();
            let keys: Vec<&[u8]> = chunk.iter().map(|op| op.key().as_bytes()).collect();
            self.pipeline(cmds, &keys)?;
        }
        Ok(())
    }

    /// `SET lease value NX PX ttl`; if the lease exists, its holder, unless it is ours
    /// (same token), which is renewed.
    fn keep_lease_in(&mut self, namespace: &str) {
        self.lease_key = format!("{namespace}{LEASE_KEY}");
    }

    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        let value = encode_lease(token, holder);
        // Each round fails only when the lease changed between two commands (it expired,
        // or another runner took it); a few rounds settle it.
        for _ in 0..5 {
            let mut set = redis::cmd("SET");
            set.arg(&self.lease_key).arg(&value).arg("NX").arg("PX").arg(millis(ttl));
            let reply = self.backend.query(&set).map_err(|err| key_error(&self.name, self.lease_key.as_bytes(), self.error(&err)))?;
            if reply != Value::Nil {
                return Ok(None);
            }
            let Some(current) = self.lease_value()? else { continue };
            let (current_token, current_holder) = decode_lease(&current).ok_or_else(|| {
                key_error(
                    &self.name,
                    self.lease_key.as_bytes(),
                    format!("the lease holds {:?}, not a df-schema lease; delete it if no runner is upgrading", String::from_utf8_lossy(&current)),
                )
            })?;
            if current_token != token {
                return Ok(Some(current_holder));
            }
            if self.renew_lease(token, ttl)? {
                return Ok(None);
            }
        }
        Err(key_error(&self.name, self.lease_key.as_bytes(), "the lease kept changing while it was being taken"))
    }

    fn memory(&mut self) -> Result<Vec<crate::store::Memory>, StoreError> {
        let nodes = self.nodes()?;
        let mut memory = Vec::with_capacity(nodes.len());
        for node in &nodes {
            let info = node.info(&self.options, "memory").map_err(|message| backend(&self.name, message))?;
            memory.extend(super::memory::parse(&node.name, &info));
        }
        Ok(memory)
    }

    fn lease(&mut self) -> Result<Option<LeaseState>, StoreError> {
        let Some(value) = self.lease_value()? else { return Ok(None) };
        let (token, holder) = decode_lease(&value).ok_or_else(|| {
            key_error(&self.name, self.lease_key.as_bytes(), format!("the lease holds {:?}, not a df-schema lease", String::from_utf8_lossy(&value)))
        })?;
        let mut pttl = redis::cmd("PTTL");
        pttl.arg(&self.lease_key);
        let expires_in = match self.backend.query(&pttl).map_err(|err| key_error(&self.name, self.lease_key.as_bytes(), self.error(&err)))? {
            Value::Int(millis) => u64::try_from(millis).ok().map(Duration::from_millis),
            _ => None,
        };
        Ok(Some(LeaseState { holder, token: Some(token), expires_in }))
    }

    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl = millis(ttl).to_string();
        Ok(self.script(RENEW, None, &[token.as_bytes(), ttl.as_bytes()])? == 1)
    }

    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        self.script(RELEASE, None, &[token.as_bytes()])?;
        Ok(())
    }

    /// `INFO keyspace` of each server first: with no expiring key but the lease, no key
    /// needs a look. Otherwise a scan of the keys with `PTTL` each, in pipelines.
    fn expiring(&mut self, prefix: &str) -> Result<Option<(String, u64)>, StoreError> {
        let failed = |store: &Self, what: &str, err: &RedisError| backend(&store.name, format!("{what}: {}", store.error(err)));
        let mut expiring = Some(0);
        for node in self.nodes()? {
            let info = node.info(&self.options, "keyspace").map_err(|message| backend(&self.name, message))?;
            expiring = expiring.zip(expiry::expiring_keys(&info, node.db)).map(|(sum, count)| sum + count);
        }
        let leased = u64::from(self.lease_value()?.is_some());
        if expiring.is_some_and(|count| count <= leased) {
            return Ok(None);
        }
        let nodes = self.backend.scan_nodes().map_err(|err| failed(self, "listing the nodes to scan", &err))?;
        for node in nodes {
            let mut cursor = 0;
            loop {
                let (next, keys) = self.backend.scan_step(&node, &scan_command(cursor, prefix, self.options.batch_size)).map_err(|err| failed(self, "SCAN", &err))?;
                let keys: Vec<Vec<u8>> = keys.into_iter().filter(|key| key != self.lease_key.as_bytes()).collect();
                let cmds = keys.iter().map(|key| {
                    let mut cmd = redis::cmd("PTTL");
                    cmd.arg(key);
                    cmd
                });
                let refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
                let replies = self.pipeline(cmds.collect(), &refs)?;
                for (key, reply) in keys.iter().zip(replies) {
                    // -1: no time to live; -2: gone since the scan.
                    if let Ok(left @ 0..) = redis::from_redis_value::<i64>(reply) {
                        return Ok(Some((String::from_utf8_lossy(key).into_owned(), left.unsigned_abs())));
                    }
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        Ok(None)
    }

    fn watch_writes(&mut self, prefix: &str) -> Result<Watching, StoreError> {
        // Ended first: its setting is put back before the new watch reads it.
        self.watch = None;
        let nodes = self.nodes()?;
        match Watch::start(&nodes, &self.options, prefix) {
            Ok(watch) => {
                self.watch = Some(watch);
                Ok(Watching::Watched)
            }
            Err(why) => Ok(Watching::Unwatched(why)),
        }
    }

    fn foreign_writes(&mut self) -> Result<Vec<String>, StoreError> {
        let Some(watch) = self.watch.take() else { return Ok(Vec::new()) };
        let now: Vec<String> = self.nodes()?.into_iter().map(|node| node.name).collect();
        let keys = watch.finish(&now).map_err(|message| backend(&self.name, message))?;
        // The lease is renewed by scripts, not through `write`.
        let others = keys.into_iter().filter(|key| key != self.lease_key.as_bytes());
        Ok(others.map(|key| String::from_utf8(key).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())).collect())
    }

    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        self.note_own(batch);
        let one_record = match batch {
            [Op::Set(key, value)] => Some((key, value)),
            _ => None,
        };
        if let Some((key, value)) = one_record {
            if let Err(reason) = self.backend.check_leased_key(key) {
                return Ok(Fenced::Declined(reason));
            }
            let written = self.script(SET_IF_LEASED, Some(key), &[token.as_bytes(), value])? == 1;
            return Ok(if written { Fenced::Written } else { Fenced::LeaseLost });
        }
        let batch_size = self.options.batch_size;
        let outcome = self.backend.transaction(&self.lease_key, token, &mut grouped(batch, batch_size).map(|(cmd, _)| cmd)).map_err(|err| {
            // No reply to `EXEC` itself leaves open whether it ran.
            backend(&self.name, format!(
                "a transaction of {} writes failed ({}); if the reply to its EXEC was what failed, it may have been applied: `df-runner status` tells",
                batch.len(),
                self.error(&err)
            ))
        })?;
        match outcome {
            Transaction::Applied => Ok(Fenced::Written),
            Transaction::LeaseLost => Ok(Fenced::LeaseLost),
            Transaction::Declined(reason) => Ok(Fenced::Declined(reason)),
            Transaction::Failed { index, message, applied } => {
                let (what, next) = if applied {
                    (
                        "failed inside the transaction, after the commands before it were applied (Redis does not roll back)",
                        "check the data with `df-runner verify`, and restore an export if it is neither the old nor the new state",
                    )
                } else {
                    ("was refused, and nothing was applied", "remove that cause and run again")
                };
                let key = grouped(batch, batch_size).nth(index).map_or(self.lease_key.as_str(), |(_, key)| key);
                Err(key_error(&self.name, key.as_bytes(), format!("command {index} of the transaction {what}: {message}; {next}")))
            }
        }
    }
}
