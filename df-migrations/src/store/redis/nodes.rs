//! The servers that hold a Redis store's keys, each reached on a connection of its own:
//! one for a single server, every master for a cluster. What a server reports only of
//! itself (its memory, its expiring keys, its keyspace notifications) is asked of each.

use super::connection::open_node;
use super::RedisOptions;
use redis::{Client, Value};

/// One server that holds part of a store's keys. Public only as [`Backend`]'s is (see
/// there): this module is private.
///
/// [`Backend`]: super::backend::Backend
pub struct Node {
    /// `host:port`, for messages.
    pub name: String,
    /// A client for it alone.
    pub client: Client,
    /// The database the store's keys are in (0 on a cluster).
    pub db: i64,
}

impl Node {
    /// The reply of `INFO section` on this server.
    pub(crate) fn info(&self, options: &RedisOptions, section: &str) -> Result<String, String> {
        let failed = |e: &dyn std::fmt::Display| format!("INFO {section} on {}: {e}", self.name);
        let mut connection = open_node(&self.client, options).map_err(|e| failed(&e))?;
        match redis::cmd("INFO").arg(section).query(&mut connection).map_err(|e| failed(&e))? {
            Value::BulkString(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Value::VerbatimString { text, .. } => Ok(text),
            other => Err(failed(&format!("unexpected reply {other:?}"))),
        }
    }
}
