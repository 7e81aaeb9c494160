//! The single-server backend, [`ServerBackend`]: one connection, reopened when it was
//! lost, and the fenced `MULTI`/`EXEC` transaction that lets one server apply a whole
//! commit under the lease.

use super::backend::{Backend, Redis};
use super::connection::{describe, node_client, open_node};
use crate::store::redact;
use super::errors::backend;
use super::nodes::Node;
use super::lease::{decode_lease, LEASE_KEY};
use super::transaction::Transaction;
use super::RedisOptions;
use crate::store::StoreError;
use redis::{Client, Cmd, Connection, ConnectionAddr, ConnectionLike, RedisError, Value};
use std::time::{Duration, Instant};

/// A single Redis server (or one database of it), Dragonflow's usual deployment.
///
/// Writes are pipelines of `SET`/`DEL` and are not atomic: the engine's commit protocol
/// makes a batch that stops part-way safe. The lease is the key `{df_schema.}lease` with an
/// expiry, renewed and released by scripts that first check its token.
///
/// [`write_if_leased`](crate::store::Store::write_if_leased) is one `MULTI`/`EXEC`
/// transaction fenced by `WATCH` on the lease: Redis runs it whole or not at all, also
/// across a server crash (an append-only file that ends inside a transaction is loaded
/// without it), and from 7.0 aborts it when a watched key has expired (redis/redis#9194;
/// before, an expiry went unnoticed, so older servers decline). The server runs nothing
/// else while it runs the `EXEC`, which takes longer the larger the batch: a large commit
/// holds up every other client of the server for that long. Queueing must end while the
/// lease surely lasts (half its remaining time); a batch that takes longer is declined,
/// and the engine stages it instead.
///
/// A server that stops answering fails an operation after one response timeout, and the
/// connection is reopened on the next one.
pub type RedisStore = Redis<ServerBackend>;

/// The backend of [`RedisStore`]: one connection, reopened (within the connection
/// timeout) if it was lost or a command on it failed for want of a reply (after which
/// replies could arrive out of turn).
pub struct ServerBackend {
    client: Client,
    connection: Connection,
    broken: bool,
    options: RedisOptions,
    address: String,
    /// Whether this server can run fenced transactions, once asked (its version).
    transactions: Support,
}

/// What a server's version says about fenced transactions.
#[derive(Debug, Clone)]
enum Support {
    /// Not asked yet.
    Unknown,
    Supported,
    /// Why not.
    TooOld(String),
}

/// Transaction commands sent per round trip while queueing (each takes up to a batch of
/// keys and values).
const QUEUED_PER_SEND: usize = 16;

/// The first Redis whose `EXEC` fails when a watched key has expired.
const TRANSACTIONS_FROM: (u32, u32) = (7, 0);

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`, with `user:password@` if needed, or
    /// `redis+unix:///path?db=N`). Fails within `options.connection_timeout` if the server
    /// does not answer.
    pub fn connect(url: &str, options: &RedisOptions) -> Result<RedisStore, StoreError> {
        let client = node_client(url).map_err(|err| backend(&redact(url), format!("not a Redis URL: {err}")))?;
        let name = describe(client.get_connection_info());
        options.check(&name)?;
        let connection = open_node(&client, options).map_err(|message| backend(&name, message))?;
        let address = match client.get_connection_info().addr() {
            ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port}"),
            other => format!("{other:?}"),
        };
        let server = ServerBackend { client, connection, broken: false, options: options.clone(), address, transactions: Support::Unknown };
        Ok(Redis { backend: server, options: options.clone(), name, lease_key: LEASE_KEY.to_owned(), watch: None })
    }
}

impl ServerBackend {
    /// Runs `f` on the connection, reopened first if needed; an I/O error (a timeout
    /// included) marks it for reopening.
    fn with<T>(&mut self, f: impl FnOnce(&mut Connection) -> Result<T, RedisError>) -> Result<T, RedisError> {
        if self.broken || !self.connection.is_open() {
            self.connection = open_node(&self.client, &self.options)
                .map_err(|message| RedisError::from(std::io::Error::new(std::io::ErrorKind::NotConnected, message)))?;
            self.broken = false;
        }
        let result = f(&mut self.connection);
        if let Err(err) = &result {
            self.broken |= err.is_io_error() || err.is_timeout() || err.is_unrecoverable_error();
        }
        result
    }
}

impl Backend for ServerBackend {
    fn nodes(&mut self) -> Result<Vec<Node>, RedisError> {
        Ok(vec![Node { name: self.address.clone(), client: self.client.clone(), db: self.client.get_connection_info().redis_settings().db() }])
    }

    fn query(&mut self, cmd: &Cmd) -> Result<Value, RedisError> {
        self.with(|connection| cmd.query(connection))
    }

    /// Sends the commands at once and reads the replies one by one, stopping at the first
    /// that does not come (the client's own pipelines would wait the response timeout for
    /// each of the remaining replies). Error replies are returned as replies.
    fn pipeline(&mut self, cmds: Vec<Cmd>) -> Result<Vec<Value>, RedisError> {
        let mut packed = Vec::new();
        for cmd in &cmds {
            cmd.write_packed_command(&mut packed);
        }
        self.with(|connection| {
            connection.send_packed_command(&packed)?;
            (0..cmds.len()).map(|_| connection.recv_response()).collect()
        })
    }

    fn scan_nodes(&mut self) -> Result<Vec<String>, RedisError> {
        Ok(vec![self.address.clone()])
    }

    fn transaction(&mut self, lease: &str, token: &str, cmds: &mut dyn Iterator<Item = Cmd>) -> Result<Transaction, RedisError> {
        if !self.options.transactions {
            return Ok(Transaction::Declined("transactions are turned off (staged commits were asked for)".to_owned()));
        }
        if let Support::Unknown = self.transactions {
            let info: String = self.with(|connection| redis::cmd("INFO").arg("server").query(connection))?;
            self.transactions = too_old(&info).map_or(Support::Supported, Support::TooOld);
        }
        if let Support::TooOld(reason) = &self.transactions {
            return Ok(Transaction::Declined(reason.clone()));
        }
        let started = Instant::now();
        let response_timeout = self.options.response_timeout;
        self.with(|connection| {
            redis::cmd("WATCH").arg(lease).query::<()>(connection)?;
            let (value, left): (Option<Vec<u8>>, i64) = redis::pipe().get(lease).pttl(lease).query(connection)?;
            if value.as_deref().and_then(decode_lease).is_none_or(|(holder, _)| holder != token) {
                redis::cmd("UNWATCH").query::<()>(connection)?;
                return Ok(Transaction::LeaseLost);
            }
            // A lease without expiry (-1) would not end the transaction.
            let budget = u64::try_from(left).map_or(Duration::MAX, |ms| Duration::from_millis(ms / 2));
            redis::cmd("MULTI").query::<()>(connection)?;
            let (mut queued, mut packed) = (0, Vec::new());
            loop {
                if started.elapsed() > budget {
                    redis::cmd("DISCARD").query::<()>(connection)?;
                    return Ok(Transaction::Declined(format!("queueing outlasted half the lease's remaining {left} ms ({queued} commands queued)")));
                }
                packed.clear();
                let sent = cmds.take(QUEUED_PER_SEND).map(|cmd| cmd.write_packed_command(&mut packed)).count();
                if sent == 0 {
                    break;
                }
                connection.send_packed_command(&packed)?;
                let mut refused = None;
                for index in queued..queued + sent {
                    if let (Value::ServerError(err), None) = (connection.recv_response()?, &refused) {
                        refused = Some(Transaction::Failed { index, message: err.to_string(), applied: false });
                    }
                }
                if let Some(refused) = refused {
                    redis::cmd("DISCARD").query::<()>(connection)?;
                    return Ok(refused);
                }
                queued += sent;
            }
            connection.send_packed_command(&redis::cmd("EXEC").get_packed_command())?;
            // The server runs the whole transaction before it replies, whatever the client
            // waits. Running it takes longer than queueing it, and grows with the batch as
            // queueing does: the reply gets ten times as long as queueing took, a wide
            // margin over the run, if that exceeds the response timeout.
            let exec_timeout = response_timeout.max(started.elapsed() * 10);
            connection.set_read_timeout(Some(exec_timeout))?;
            let reply = connection.recv_response();
            connection.set_read_timeout(Some(response_timeout))?;
            Ok(match reply? {
                Value::Nil => Transaction::LeaseLost,
                Value::Array(replies) => {
                    let failed = replies.into_iter().enumerate().find_map(|(index, reply)| match reply {
                        Value::ServerError(err) => Some((index, err.to_string())),
                        _ => None,
                    });
                    match failed {
                        None => Transaction::Applied,
                        Some((index, message)) => Transaction::Failed { index, message, applied: true },
                    }
                }
                Value::ServerError(err) => Transaction::Failed { index: 0, message: format!("EXEC: {err}"), applied: false },
                other => Transaction::Failed { index: 0, message: format!("EXEC replied {other:?}"), applied: false },
            })
        })
    }

    fn scan_step(&mut self, _node: &str, scan: &Cmd) -> Result<(u64, Vec<Vec<u8>>), RedisError> {
        self.with(|connection| scan.query(connection))
    }
}

/// Why a server whose `INFO server` says `info` cannot run fenced transactions, if so.
fn too_old(info: &str) -> Option<String> {
    let Some(version) = info.lines().find_map(|line| line.strip_prefix("redis_version:")).map(str::trim) else {
        return Some("the server does not tell its version (`INFO server`), so it may not abort a transaction when the lease expires".to_owned());
    };
    let mut parts = version.split('.').map(|part| part.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    ((major, minor) < TRANSACTIONS_FROM).then(|| {
        format!("Redis {version} runs a transaction even when a watched key (the lease) expired in between; 7.0 and later do not")
    })
}
