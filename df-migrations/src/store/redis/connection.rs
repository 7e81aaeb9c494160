//! Connecting to one Redis server, for the single-server store and for the cluster store's
//! probe of each listed node: a client that skips what the handshake need not send, a
//! connection that answers within the connection timeout, and the server's name for
//! messages, which never shows a password.

use super::RedisOptions;
use redis::{Client, Connection, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisError};
use std::time::Instant;

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

/// `redis://host:port/db` (never the credentials).
pub(super) fn describe(info: &ConnectionInfo) -> String {
    let db = info.redis_settings().db();
    let host = |host: &str| if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    match info.addr() {
        ConnectionAddr::Tcp(h, port) => format!("redis://{}:{port}/{db}", host(h)),
        ConnectionAddr::TcpTls { host: h, port, .. } => format!("rediss://{}:{port}/{db}", host(h)),
        ConnectionAddr::Unix(path) => format!("redis+unix://{}?db={db}", path.display()),
        other => format!("redis:{other:?}/{db}"),
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
    }
}
