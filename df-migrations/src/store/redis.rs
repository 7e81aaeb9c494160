//! A single Redis server (or one database of it), Dragonflow's usual deployment.
//!
//! Writes are pipelines of `SET`/`DEL` and are not atomic
//! ([`atomic_batches`](super::Store::atomic_batches) is `false`): the engine's commit
//! protocol makes a batch that stops part-way safe. The lease is the key
//! `{df_schema.}lease` with an expiry; see `redis_shared` for its scripts.
//!
//! A server that stops answering fails an operation after one response timeout, and the
//! connection is reopened on the next one.

use super::redis_shared::{backend, delegate_store, node_client, open_node, Backend, RedisOps, RedisOptions};
use super::StoreError;
use redis::{Client, Cmd, Connection, ConnectionAddr, ConnectionInfo, ConnectionLike, RedisError, Value};

/// See the module documentation.
pub struct RedisStore {
    ops: RedisOps<Server>,
}

/// One connection, reopened (within the connection timeout) if it was lost or a command
/// on it failed for want of a reply (after which replies could arrive out of turn).
struct Server {
    client: Client,
    connection: Connection,
    broken: bool,
    options: RedisOptions,
    address: String,
}

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
        let server = Server { client, connection, broken: false, options: options.clone(), address };
        Ok(RedisStore { ops: RedisOps { backend: server, options: options.clone(), name } })
    }
}

delegate_store!(RedisStore);

impl Server {
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

impl Backend for Server {
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

    fn scan_step(&mut self, _node: &str, cursor: u64, count: usize) -> Result<(u64, Vec<Vec<u8>>), RedisError> {
        self.with(|connection| redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(count).query(connection))
    }
}

/// `redis://host:port/db` (never the credentials).
fn describe(info: &ConnectionInfo) -> String {
    let db = info.redis_settings().db();
    let host = |host: &str| if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    match info.addr() {
        ConnectionAddr::Tcp(h, port) => format!("redis://{}:{port}/{db}", host(h)),
        ConnectionAddr::TcpTls { host: h, port, .. } => format!("rediss://{}:{port}/{db}", host(h)),
        ConnectionAddr::Unix(path) => format!("redis+unix://{}?db={db}", path.display()),
        other => format!("redis:{other:?}/{db}"),
    }
}

/// A URL that did not parse, without what may be a password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_the_server_and_database_without_credentials() {
        for (url, expected) in [
            ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
            ("redis://localhost/3", "redis://localhost:6379/3"),
            ("redis://user:secret@10.0.0.1:7000/1", "redis://10.0.0.1:7000/1"),
            ("redis://[::1]:6380", "redis://[::1]:6380/0"),
        ] {
            let client = Client::open(url).unwrap();
            assert_eq!(describe(client.get_connection_info()), expected, "{url}");
        }
        assert_eq!(redact("redis://u:p@host:1/0"), "redis://***@host:1/0");
        assert_eq!(redact("nonsense"), "nonsense");
    }
}
