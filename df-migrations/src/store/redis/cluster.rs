//! The cluster backend, [`ClusterBackend`]: the `redis` crate's cluster connection, a
//! probe that finds a usable node first, and the cluster's limits (no command across
//! slots, so no transaction, and only the lease's slot under the lease).

use super::backend::{Backend, Redis};
use super::connection::{node_client, open_node};
use super::errors::backend;
use super::nodes::Node;
use super::lease::{LEASE_HASH_TAG, LEASE_KEY};
use super::transaction::Transaction;
use super::RedisOptions;
use crate::store::StoreError;
use redis::cluster::{cluster_pipe, ClusterClient, ClusterConnection};
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, ConnectionLike, ErrorKind, RedisError, Value};

/// A Redis Cluster. Dragonflow's keys carry a hash tag (`{table.topic}`), so one table and
/// topic lives in one slot; the store never sends a command that spans slots:
///
/// - `scan` sends `SCAN … COUNT` to every master (not the replicas, which hold the same
///   keys) and reads the values with pipelines of `GET` that the client splits by node;
/// - `get_many` and `write` are such pipelines of `GET`, or of `SET`/`DEL`;
/// - the lease scripts touch the lease and, for [`Store::write_if_leased`], one key that
///   must share the lease's slot: a record whose hash tag is not `{df_schema.}`, and any
///   batch of more than one write, is declined (the engine then stages its commit).
///
/// Routing, redirections (`MOVED`/`ASK`) and reconnecting are the `redis` crate's cluster
/// client's, which has one weakness: a node that stops answering without closing its
/// connections (frozen, or cut off by a network partition) fails a pipeline only after one
/// response timeout *per command sent to that node* in it (up to `batch_size /
/// masters` of them), since the client waits for each reply in turn. A node that is down
/// (connections refused or reset) fails at once.
///
/// [`Store::write_if_leased`]: crate::store::Store::write_if_leased
pub type RedisClusterStore = Redis<ClusterBackend>;

/// The backend of [`RedisClusterStore`]: the `redis` crate's cluster connection, which
/// routes each command by its key.
pub struct ClusterBackend {
    connection: ClusterConnection,
    /// `user:password@` of the node the client started from, or empty: a cluster's nodes
    /// share their users, so a connection of its own to any node logs in alike.
    credentials: String,
}

/// How many times the client retries a command that failed on the cluster's side
/// (a redirection after a slot moved, a node that went away) before reporting the error.
const RETRIES: u32 = 3;

impl RedisClusterStore {
    /// Connects to a cluster through any of `nodes` (`host:port`; a `redis://` prefix is
    /// accepted), which needs not list every node: the client learns the others from the
    /// first that answers. Fails within `options.connection_timeout` per listed node if
    /// none answers.
    pub fn connect(nodes: &[String], options: &RedisOptions) -> Result<RedisClusterStore, StoreError> {
        let addresses: Vec<&str> = nodes.iter().map(|n| n.trim_start_matches("redis://").trim_end_matches('/')).collect();
        // Messages name each node without its credentials (`user:password@`).
        let shown: Vec<&str> = addresses.iter().map(|a| a.rsplit_once('@').map_or(*a, |(_, host)| host)).collect();
        let name = format!("redis+cluster://{}", shown.join(","));
        options.check(&name)?;
        if addresses.is_empty() {
            return Err(backend(&name, "no cluster node given"));
        }
        // Find a node that answers, within the connection timeout per node (the client's
        // own connecting may wait longer on a node that accepts connections but never
        // replies), and is part of a cluster that serves every slot (the client would
        // take a server without cluster support for a cluster). The first such node leads
        // the list the client starts from.
        let mut problems = Vec::new();
        let first = addresses.iter().zip(&shown).position(|(address, shown)| match probe(address, options) {
            Ok(()) => true,
            Err(problem) => {
                problems.push(format!("{shown}: {problem}"));
                false
            }
        });
        let Some(first) = first else {
            return Err(backend(&name, format!("no usable node: {}", problems.join("; "))));
        };
        let failed = |err: RedisError| backend(&name, format!("cannot connect: {err}"));
        let client = ClusterClient::builder(addresses[first..].iter().map(|a| format!("redis://{a}")))
            .connection_timeout(options.connection_timeout)
            .response_timeout(options.response_timeout)
            .retries(RETRIES)
            .build()
            .map_err(failed)?;
        let connection = client.get_connection().map_err(failed)?;
        connection.set_write_timeout(Some(options.response_timeout)).map_err(failed)?;
        let credentials = addresses[first].rsplit_once('@').map_or_else(String::new, |(credentials, _)| format!("{credentials}@"));
        Ok(Redis { backend: ClusterBackend { connection, credentials }, options: options.clone(), name, lease_key: LEASE_KEY.to_owned(), watch: None })
    }
}

/// Whether a node answers within the connection timeout and reports `cluster_state:ok`.
fn probe(address: &str, options: &RedisOptions) -> Result<(), String> {
    let client = node_client(&format!("redis://{address}")).map_err(|err| err.to_string())?;
    let mut connection = open_node(&client, options)?;
    let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut connection).map_err(|err| format!("not a cluster node: {err}"))?;
    match info.lines().find_map(|line| line.trim().strip_prefix("cluster_state:")) {
        Some("ok") => Ok(()),
        state => Err(format!("cluster_state is {}, not ok", state.unwrap_or("missing"))),
    }
}

impl Backend for ClusterBackend {
    fn query(&mut self, cmd: &Cmd) -> Result<Value, RedisError> {
        self.connection.req_command(cmd)
    }

    fn pipeline(&mut self, cmds: Vec<Cmd>) -> Result<Vec<Value>, RedisError> {
        let mut pipe = cluster_pipe();
        for cmd in cmds {
            pipe.add_command(cmd);
        }
        pipe.query(&mut self.connection)
    }

    /// The client will not put `RENAME` in a cluster pipeline (it cannot know that both
    /// keys share a slot); a script declaring both keys is routed by them like any
    /// command, and renames atomically, which a `COPY` then `DEL` would not.
    fn rename(&self, from: &str, to: &str) -> Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg("return redis.call('RENAME', KEYS[1], KEYS[2])").arg(2).arg(from).arg(to);
        cmd
    }

    /// The masters, as the client knows them: a `PING` sent to all masters replies with
    /// each one's address.
    fn scan_nodes(&mut self) -> Result<Vec<String>, RedisError> {
        let routing = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
        let reply = self.connection.route_command(&redis::cmd("PING"), routing)?;
        let Value::Map(replies) = reply else {
            return Err(RedisError::from((ErrorKind::Client, "unexpected reply listing the masters", format!("{reply:?}"))));
        };
        let mut masters = replies
            .into_iter()
            .map(|(address, _)| redis::from_redis_value::<String>(address).map_err(RedisError::from))
            .collect::<Result<Vec<_>, _>>()?;
        masters.sort();
        Ok(masters)
    }

    fn nodes(&mut self) -> Result<Vec<Node>, RedisError> {
        self.scan_nodes()?
            .into_iter()
            .map(|name| Ok(Node { client: node_client(&format!("redis://{}{name}", self.credentials))?, name, db: 0 }))
            .collect()
    }

    fn scan_step(&mut self, node: &str, scan: &Cmd) -> Result<(u64, Vec<Vec<u8>>), RedisError> {
        let (host, port) = node
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host.to_owned(), port.parse().ok()?)))
            .ok_or_else(|| RedisError::from((ErrorKind::Client, "not a node address", node.to_owned())))?;
        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
        let reply = self.connection.route_command(scan, routing)?;
        Ok(redis::from_redis_value(reply)?)
    }

    fn transaction(&mut self, _lease: &str, _token: &str, _cmds: &mut dyn Iterator<Item = Cmd>) -> Result<Transaction, RedisError> {
        Ok(Transaction::Declined("a Redis Cluster runs a transaction within one hash slot only".to_owned()))
    }

    fn check_leased_key(&self, key: &str) -> Result<(), String> {
        if hash_tag(key.as_bytes()) == Some(LEASE_HASH_TAG.as_bytes()) {
            Ok(())
        } else {
            Err(format!(
                "on a cluster, a write under the lease goes only to a key in the lease's slot (hash tag `{{{LEASE_HASH_TAG}}}`), \
                 where one script can check the lease and write"
            ))
        }
    }
}

/// The hash tag of a key as Redis Cluster computes it: what lies between the first `{`
/// and the first `}` after it, if that is not empty.
fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let rest = &key[open + 1..];
    let close = rest.iter().position(|&b| b == b'}')?;
    (close > 0).then(|| &rest[..close])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_tags_follow_redis_cluster() {
        assert_eq!(hash_tag(b"{df_schema.}commit"), Some(&b"df_schema."[..]));
        assert_eq!(hash_tag(b"x{df_schema.}y{z}"), Some(&b"df_schema."[..]));
        assert_eq!(hash_tag(b"{}{df_schema.}x"), None);
        assert_eq!(hash_tag(b"df_schema.commit"), None);
        assert_eq!(hash_tag(b"{df_schema.commit"), None);
    }
}
