//! What [`RedisStore`](super::RedisStore) and [`RedisClusterStore`](super::RedisClusterStore)
//! share: their options, the lease's key, value and Lua scripts, and every [`Store`] method,
//! written once in [`Redis`] over a small [`Backend`] (a single connection, or a cluster
//! connection that routes each command by its key).
//!
//! Nothing here sends a command whose size grows with the dataset: keys are listed with
//! `SCAN … COUNT`, values are read and written with pipelines of one-key `GET`/`SET`/`DEL`
//! of at most [`RedisOptions::batch_size`] commands, and a transaction's commands (see
//! [`grouped`]) each take at most that many keys.

use super::{Fenced, Holder, Op, Store, StoreError};
use redis::{Client, Cmd, Connection, IntoConnectionInfo, RedisError, Value};
use std::time::{Duration, Instant};

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
    pub const DEFAULT_BATCH_SIZE: usize = 1000;
    pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
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

/// The lease's key. Its hash tag is the engine table's, so that on a cluster the records
/// written under the lease (`{df_schema.}commit`, …) share its slot and one script can
/// check the lease and write them.
pub(super) const LEASE_KEY: &str = "{df_schema.}lease";

/// The hash tag a record must have for [`Store::write_if_leased`] on a cluster (the
/// lease's).
pub(super) const LEASE_HASH_TAG: &str = "df_schema.";

// The scripts, kept tiny: each touches the lease and at most one other key, in one slot.
// Each gets the lease key as KEYS[1] and the caller's token as ARGV[1], and starts with
// `lease_is_ours!()`, which sets `ours` when the lease exists and its JSON value (see
// `encode_lease`) has that token. A lease value that is not JSON makes the script fail
// (cjson raises), which surfaces as an error naming the key.
macro_rules! lease_is_ours {
    () => {
        "local v = redis.call('GET', KEYS[1])\n\
         local ours = v and cjson.decode(v).token == ARGV[1]\n"
    };
}

/// Extends the lease to ARGV[2] milliseconds if it is ours. Returns 1 if it did, else 0.
pub(super) const RENEW: &str =
    concat!(lease_is_ours!(), "if ours then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\nreturn 0\n");

/// Deletes the lease if it is ours. Returns 1 if it did, else 0.
pub(super) const RELEASE: &str = concat!(lease_is_ours!(), "if ours then return redis.call('DEL', KEYS[1]) end\nreturn 0\n");

/// Sets KEYS[2] to ARGV[2] if the lease is ours (fencing). Returns 1 if it wrote, else 0.
/// On a cluster KEYS[2] must be in the lease's slot.
pub(super) const SET_IF_LEASED: &str =
    concat!(lease_is_ours!(), "if ours then redis.call('SET', KEYS[2], ARGV[2]) return 1 end\nreturn 0\n");

/// `ops` as few commands as keep their order, for a transaction on one server: each run
/// of sets or deletes becomes one `MSET` or `DEL` of at most `batch` keys; a rename stays
/// a command of its own. Each command comes with the first key it writes, for errors.
/// Made as they are sent, so that a commit's values are never all copied into commands
/// at once.
pub(super) fn grouped(ops: &[Op], batch: usize) -> impl Iterator<Item = (Cmd, &str)> {
    runs(ops, batch).map(|run| {
        let mut cmd = match &run[0] {
            Op::Set(..) => redis::cmd("MSET"),
            Op::Delete(_) => redis::cmd("DEL"),
            Op::Rename { .. } => redis::cmd("RENAME"),
        };
        for op in run {
            match op {
                Op::Set(key, value) => cmd.arg(key).arg(value),
                Op::Delete(key) => cmd.arg(key),
                Op::Rename { from, to } => cmd.arg(from).arg(to),
            };
        }
        (cmd, run[0].key())
    })
}

/// `ops` cut into runs of one kind of op, of at most `batch` ops (renames one by one).
fn runs(ops: &[Op], batch: usize) -> impl Iterator<Item = &[Op]> {
    let kind = |op: &Op| std::mem::discriminant(op);
    let mut rest = ops;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let limit = if matches!(first, Op::Rename { .. }) { 1 } else { batch.max(1) };
        let length = rest.iter().take(limit).take_while(|op| kind(op) == kind(first)).count();
        let (run, tail) = rest.split_at(length);
        rest = tail;
        Some(run)
    })
}

/// How a transaction ended (see [`Backend::transaction`]).
#[derive(Debug)]
pub enum Transaction {
    /// Every command ran.
    Applied,
    /// The lease was not ours when watched, or changed (expired, taken) before `EXEC`;
    /// nothing ran.
    LeaseLost,
    /// Not attempted, or given up before `EXEC`; nothing ran. Says why.
    Declined(String),
    /// Command `index` was refused while queued (nothing ran) or failed inside `EXEC`
    /// (the ones before it ran: Redis does not roll back), as `applied` says.
    Failed { index: usize, message: String, applied: bool },
}

/// The lease's value: `{"token","who","since"}`.
pub(super) fn encode_lease(token: &str, holder: &Holder) -> String {
    serde_json::json!({ "token": token, "who": holder.who, "since": holder.since }).to_string()
}

/// The token and holder of a lease value.
pub(super) fn decode_lease(value: &[u8]) -> Option<(String, Holder)> {
    let value: serde_json::Value = serde_json::from_slice(value).ok()?;
    let field = |name| value.get(name)?.as_str().map(str::to_owned);
    Some((field("token")?, Holder { who: field("who")?, since: field("since")? }))
}

/// The hash tag of a key as Redis Cluster computes it: what lies between the first `{`
/// and the first `}` after it, if that is not empty.
pub(super) fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let rest = &key[open + 1..];
    let close = rest.iter().position(|&b| b == b'}')?;
    (close > 0).then(|| &rest[..close])
}

/// A TTL in milliseconds, as `PX`/`PEXPIRE` take it: at least 1 (Redis refuses 0), at
/// most about 35,000 years (Redis refuses expiry times that overflow).
fn millis(ttl: Duration) -> u64 {
    const MAX: u64 = 1 << 50;
    u64::try_from(ttl.as_millis()).unwrap_or(MAX).clamp(1, MAX)
}

pub(super) fn backend(store: &str, message: impl Into<String>) -> StoreError {
    StoreError::Backend { store: store.to_owned(), message: message.into() }
}

pub(super) fn key_error(store: &str, key: &[u8], message: impl Into<String>) -> StoreError {
    StoreError::Key { store: store.to_owned(), key: String::from_utf8_lossy(key).into_owned(), message: message.into() }
}

/// A client error's text, saying which timeout ran out where one did.
pub(super) fn describe_error(err: &RedisError, options: &RedisOptions) -> String {
    // The client keeps an I/O error behind an `Arc`, its `source()`; the test below pins it.
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let io_kind = std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<Shared>())
        .and_then(|shared| shared.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    if err.is_timeout() {
        format!("no reply within the response timeout ({:?}): {err}", options.response_timeout)
    } else if io_kind == Some(std::io::ErrorKind::Interrupted) {
        // signal(7): a socket wait with a timeout fails with EINTR when its process is
        // stopped and continued. The reply may be lost mid-read, so it is not retried.
        format!(
            "the wait for Redis's reply was interrupted, as it is when the runner is stopped and continued \
             (SIGSTOP/SIGCONT, Ctrl-Z then `fg`) ({err}); whatever this runner sent is fenced by its lease, \
             so run the command again: the next run recovers an interrupted commit"
        )
    } else {
        err.to_string()
    }
}

/// A client for one server, that sends no `CLIENT SETINFO` on connecting: one reply less
/// to wait for (see [`open_node`]).
pub(super) fn node_client(url: &str) -> Result<Client, RedisError> {
    let info = url.into_connection_info()?;
    let settings = info.redis_settings().clone().set_skip_set_lib_name();
    Client::open(info.set_redis_settings(settings))
}

/// Opens a connection to one server and checks with a `PING` that it answers, all within
/// the connection timeout (a server that accepts connections but never replies fails as
/// fast as one that refuses them); later replies get the response timeout.
///
/// The client reads each reply of its connection handshake with the time left, so the
/// bound is one connection timeout when the handshake sends nothing (database 0, no
/// password, `skip_set_lib_name`) and one more per handshake command otherwise.
pub(super) fn open_node(client: &Client, options: &RedisOptions) -> Result<Connection, String> {
    let timeout = options.connection_timeout;
    let failed = |err: RedisError| format!("cannot connect within {timeout:?}: {err}");
    let started = Instant::now();
    let mut connection = client.get_connection_with_timeout(timeout).map_err(failed)?;
    let left = timeout.checked_sub(started.elapsed()).filter(|left| !left.is_zero());
    let left = left.ok_or_else(|| failed(std::io::Error::from(std::io::ErrorKind::TimedOut).into()))?;
    let set_timeouts = |connection: &Connection, timeout| {
        connection.set_read_timeout(Some(timeout))?;
        connection.set_write_timeout(Some(timeout))
    };
    set_timeouts(&connection, left).map_err(failed)?;
    redis::cmd("PING").query::<()>(&mut connection).map_err(failed)?;
    set_timeouts(&connection, options.response_timeout).map_err(failed)?;
    Ok(connection)
}

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
    fn scan_step(&mut self, node: &str, cursor: u64, count: usize) -> Result<(u64, Vec<Vec<u8>>), RedisError>;

    /// Refuses keys that [`SET_IF_LEASED`] cannot write together with the lease.
    fn check_leased_key(&self, _key: &str) -> Result<(), String> {
        Ok(())
    }

    /// Runs `cmds` as one `MULTI`/`EXEC` transaction that applies only while the lease
    /// (value `token`) is ours: it `WATCH`es the lease, so that Redis aborts the `EXEC`
    /// if the lease expired or changed in between.
    fn transaction(&mut self, _token: &str, _cmds: &mut dyn Iterator<Item = Cmd>) -> Result<Transaction, RedisError> {
        Ok(Transaction::Declined("a Redis Cluster runs a transaction within one hash slot only".to_owned()))
    }
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
}

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
        cmd.arg(script).arg(1 + usize::from(key.is_some())).arg(LEASE_KEY);
        if let Some(key) = key {
            cmd.arg(key);
        }
        for arg in args {
            cmd.arg(*arg);
        }
        let named = key.unwrap_or(LEASE_KEY).as_bytes();
        match self.backend.query(&cmd) {
            Ok(Value::Int(n)) => Ok(n),
            Ok(other) => Err(key_error(&self.name, named, format!("the lease script replied {other:?}"))),
            Err(err) => Err(key_error(&self.name, named, format!("the lease script failed: {}", self.error(&err)))),
        }
    }

    fn lease_value(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.fetch(&[LEASE_KEY.as_bytes()])?.pop().flatten())
    }
}

impl<B: Backend> Store for Redis<B> {
    fn describe(&self) -> String {
        self.name.clone()
    }

    /// Every key but the lease, each once (SCAN may return a key twice; this drops the
    /// repeats, remembering the keys seen), with its value; a key deleted between SCAN
    /// and GET is skipped.
    fn scan(&mut self, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let nodes = self.backend.scan_nodes().map_err(|err| backend(&self.name, format!("listing the nodes to scan: {}", self.error(&err))))?;
        // A fast hash rather than SipHash: every key goes through this set, on the thread
        // the read waits on (SipHash was 2.4% of the runner's CPU at a million keys).
        let mut seen: foldhash::HashSet<Vec<u8>> = foldhash::HashSet::default();
        for node in nodes {
            let mut cursor = 0;
            loop {
                let (next, keys) = self
                    .backend
                    .scan_step(&node, cursor, self.options.batch_size)
                    .map_err(|err| backend(&self.name, format!("SCAN on {node}: {}", self.error(&err))))?;
                let fresh: Vec<Vec<u8>> = keys.into_iter().filter(|key| key != LEASE_KEY.as_bytes() && seen.insert(key.clone())).collect();
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
        let refs: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
        self.fetch(&refs)
    }

    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
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
    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        let value = encode_lease(token, holder);
        // Each round fails only when the lease changed between two commands (it expired,
        // or another runner took it); a few rounds settle it.
        for _ in 0..5 {
            let mut set = redis::cmd("SET");
            set.arg(LEASE_KEY).arg(&value).arg("NX").arg("PX").arg(millis(ttl));
            let reply = self.backend.query(&set).map_err(|err| key_error(&self.name, LEASE_KEY.as_bytes(), self.error(&err)))?;
            if reply != Value::Nil {
                return Ok(None);
            }
            let Some(current) = self.lease_value()? else { continue };
            let (current_token, current_holder) = decode_lease(&current).ok_or_else(|| {
                key_error(
                    &self.name,
                    LEASE_KEY.as_bytes(),
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
        Err(key_error(&self.name, LEASE_KEY.as_bytes(), "the lease kept changing while it was being taken"))
    }

    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl = millis(ttl).to_string();
        Ok(self.script(RENEW, None, &[token.as_bytes(), ttl.as_bytes()])? == 1)
    }

    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        self.script(RELEASE, None, &[token.as_bytes()])?;
        Ok(())
    }

    /// One record: the lease script, on a cluster too. Anything else: a transaction, on
    /// one server.
    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
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
        let outcome = self.backend.transaction(token, &mut grouped(batch, batch_size).map(|(cmd, _)| cmd)).map_err(|err| {
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
                let key = grouped(batch, batch_size).nth(index).map_or(LEASE_KEY, |(_, key)| key);
                Err(key_error(&self.name, key.as_bytes(), format!("command {index} of the transaction {what}: {message}; {next}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_wait_says_why_and_what_to_do() {
        let options = RedisOptions::default();
        let interrupted = RedisError::from(std::io::Error::from(std::io::ErrorKind::Interrupted));
        let text = describe_error(&interrupted, &options);
        assert!(text.contains("stopped and continued") && text.contains("run the command again"), "{text}");
        let refused = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(describe_error(&refused, &options), refused.to_string());
    }

    #[test]
    fn lease_values_round_trip() {
        let holder = Holder { who: "host:42".into(), since: "2024-01-02T03:04:05Z".into() };
        let value = encode_lease("tok\"en", &holder);
        assert_eq!(decode_lease(value.as_bytes()), Some(("tok\"en".to_owned(), holder)));
        assert_eq!(decode_lease(b"{\"token\":\"t\"}"), None);
        assert_eq!(decode_lease(b"not json"), None);
    }

    #[test]
    fn hash_tags_follow_redis_cluster() {
        assert_eq!(hash_tag(b"{df_schema.}commit"), Some(&b"df_schema."[..]));
        assert_eq!(hash_tag(b"x{df_schema.}y{z}"), Some(&b"df_schema."[..]));
        assert_eq!(hash_tag(b"{}{df_schema.}x"), None);
        assert_eq!(hash_tag(b"df_schema.commit"), None);
        assert_eq!(hash_tag(b"{df_schema.commit"), None);
    }

    #[test]
    fn ttls_are_positive_milliseconds() {
        assert_eq!(millis(Duration::from_micros(10)), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), 1 << 50);
    }

    #[test]
    fn scripts_start_with_the_lease_check() {
        for script in [RENEW, RELEASE, SET_IF_LEASED] {
            assert!(script.starts_with("local v = redis.call('GET', KEYS[1])\nlocal ours = v and"), "{script}");
        }
    }
}
