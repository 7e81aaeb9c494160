//! Writes by other clients, seen through Redis keyspace notifications: on every server
//! that holds the store's keys (a cluster's notifications are each node's own), a
//! connection of its own subscribes to the notifications of the keys the engine owns
//! before the upgrade reads, and at the commit the watch publishes a marker on each and
//! reads every notification up to it. Redis runs one command at a time and delivers a
//! subscriber's messages in that order, so every write that ran on that server before its
//! marker is among them: sets, deletes, renames, expiries and evictions alike. Each
//! server's marker has a channel of its own, since a cluster forwards a message published
//! on one node to the subscribers of every other, out of turn with their own writes.
//!
//! Notifications are off by default (`notify-keyspace-events ""`); the watch adds `KA`
//! (keyspace events of every class) on each server for its duration and puts the setting
//! back after. It refuses to vouch for a write-free read when a subscription was dropped
//! (a subscriber whose output buffer overflowed: a flood of writes), the setting was
//! changed under it, or a cluster's masters changed (a failed-over master's replica took
//! writes that no subscription saw).

use super::backend::literal_pattern;
use super::connection::open_node;
use super::nodes::Node;
use super::RedisOptions;
use redis::{Client, Connection, Value};

/// The flags the watch needs: keyspace events (`K`) of every class (`A`).
const FLAGS: &str = "KA";

/// Subscriptions to the keyspace notifications of a store's keys with a prefix, one per
/// server that holds them.
pub(crate) struct Watch {
    nodes: Vec<NodeWatch>,
    /// The keys the watching store wrote itself, which are not others' writes.
    own: std::collections::HashSet<Vec<u8>>,
}

/// The subscription on one server.
struct NodeWatch {
    name: String,
    connection: Connection,
    client: Client,
    options: RedisOptions,
    /// `__keyspace@<db>__:`, what each notification's channel starts with.
    channel: String,
    /// The channel of this server's end marker, unique to this watch and server.
    marker: String,
    /// The setting to put back, if the watch changed it.
    restore: Option<String>,
}

/// Whether `flags` (a `notify-keyspace-events` value) sends the keyspace events of every
/// class: `K` and `A`, or `K` and each class `A` stands for.
fn sends_everything(flags: &str) -> bool {
    flags.contains('K') && (flags.contains('A') || "g$lshzxet".chars().all(|class| flags.contains(class)))
}

impl Watch {
    /// Subscribes, on each of `nodes`, to the notifications of the keys that start with
    /// `prefix`, turning them on where they are off.
    pub(crate) fn start(nodes: &[Node], options: &RedisOptions, prefix: &str) -> Result<Watch, String> {
        let token = crate::lease::token();
        let nodes = nodes.iter().enumerate().map(|(index, node)| NodeWatch::start(node, options, prefix, &format!("df-schema:watch:{token}:{index}"))).collect::<Result<_, _>>()?;
        Ok(Watch { nodes, own: std::collections::HashSet::new() })
    }

    /// Notes that the watching store wrote `key` itself.
    pub(crate) fn wrote(&mut self, key: &[u8]) {
        self.own.insert(key.to_vec());
    }

    /// Publishes each server's end marker and reads every notification up to it; returns
    /// the keys they name that the watching store did not write, sorted, each once. An
    /// error if the servers holding the keys are no longer those watched (`now`, by name),
    /// the setting that sends notifications was changed, or a read failed (the server
    /// dropped the subscriber).
    pub(crate) fn finish(mut self, now: &[String]) -> Result<Vec<Vec<u8>>, String> {
        let watched: Vec<&str> = self.nodes.iter().map(|node| node.name.as_str()).collect();
        if watched != now {
            return Err(format!(
                "the servers holding the keys changed during the upgrade (from {} to {}): writes to a server that was not watched may have gone unseen",
                watched.join(", "),
                now.join(", ")
            ));
        }
        let mut keys = Vec::new();
        for node in &mut self.nodes {
            node.finish(&self.own, &mut keys)?;
        }
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }
}

impl NodeWatch {
    fn start(node: &Node, options: &RedisOptions, prefix: &str, marker: &str) -> Result<NodeWatch, String> {
        let mut connection = open_node(&node.client, options).map_err(|e| format!("{}: {e}", node.name))?;
        let flags = config_get(&node.name, &mut connection)?;
        let restore = if sends_everything(&flags) {
            None
        } else {
            config_set(&node.name, &mut connection, &format!("{flags}{FLAGS}"))?;
            Some(flags)
        };
        let channel = format!("__keyspace@{}__:", node.db);
        let mut watch =
            NodeWatch { name: node.name.clone(), connection, client: node.client.clone(), options: options.clone(), channel, marker: marker.to_owned(), restore };
        let pattern = format!("{}{}", watch.channel, literal_pattern(prefix));
        let mut subscribe = redis::cmd("PSUBSCRIBE");
        subscribe.arg(pattern);
        let mut marker = redis::cmd("SUBSCRIBE");
        marker.arg(&watch.marker);
        let failed = |e: redis::RedisError| format!("subscribing to the keyspace notifications of {}: {e}", node.name);
        for cmd in [subscribe, marker] {
            watch.connection.send_packed_command(&cmd.get_packed_command()).map_err(failed)?;
            watch.connection.recv_response().map_err(failed)?;
        }
        Ok(watch)
    }

    /// Publishes the end marker on this server and appends the keys of the notifications
    /// before it that are not in `own`.
    fn finish(&mut self, own: &std::collections::HashSet<Vec<u8>>, keys: &mut Vec<Vec<u8>>) -> Result<(), String> {
        let mut control = open_node(&self.client, &self.options).map_err(|e| format!("{}: {e}", self.name))?;
        redis::cmd("PUBLISH").arg(&self.marker).arg("end").query::<()>(&mut control).map_err(|e| format!("publishing the end of the watch on {}: {e}", self.name))?;
        let lost = |e: redis::RedisError| format!("lost the keyspace notifications of {} ({e}): writes by others may have gone unseen", self.name);
        loop {
            let message = self.connection.recv_response().map_err(lost)?;
            let Value::Array(parts) = message else { continue };
            let text = |value: &Value| match value {
                Value::BulkString(bytes) => Some(bytes.clone()),
                _ => None,
            };
            match parts.as_slice() {
                [kind, channel, _] if text(kind).as_deref() == Some(b"message") && text(channel).as_deref() == Some(self.marker.as_bytes()) => break,
                [kind, _, channel, _] if text(kind).as_deref() == Some(b"pmessage") => {
                    if let Some(key) = text(channel).and_then(|c| c.strip_prefix(self.channel.as_bytes()).map(<[u8]>::to_vec)) {
                        if !own.contains(&key) {
                            keys.push(key);
                        }
                    }
                }
                _ => {}
            }
        }
        let flags = config_get(&self.name, &mut control)?;
        if !sends_everything(&flags) {
            return Err(format!("`notify-keyspace-events` of {} was changed to {flags:?} during the upgrade: writes by others may have gone unseen", self.name));
        }
        Ok(())
    }
}

impl Drop for NodeWatch {
    /// Puts the setting back, on a connection of its own (this one is subscribed).
    fn drop(&mut self) {
        if let Some(flags) = self.restore.take() {
            let restored = open_node(&self.client, &self.options).and_then(|mut connection| config_set(&self.name, &mut connection, &flags));
            if let Err(error) = restored {
                tracing::warn!(%error, node = %self.name, "could not turn keyspace notifications back off: `CONFIG SET notify-keyspace-events {flags:?}` does it");
            }
        }
    }
}

fn config_get(node: &str, connection: &mut Connection) -> Result<String, String> {
    let reply: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("notify-keyspace-events")
        .query(connection)
        .map_err(|e| format!("`CONFIG GET notify-keyspace-events` failed on {node} ({e}): the server cannot report writes by others"))?;
    Ok(reply.get(1).cloned().unwrap_or_default())
}

fn config_set(node: &str, connection: &mut Connection, flags: &str) -> Result<(), String> {
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg(flags)
        .query::<()>(connection)
        .map_err(|e| format!("`CONFIG SET notify-keyspace-events {flags}` failed on {node} ({e}): the server cannot report writes by others"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_needs_every_class_of_keyspace_event() {
        assert!(sends_everything("KA"));
        assert!(sends_everything("AKE"));
        assert!(sends_everything("Kg$lshzxet"));
        assert!(!sends_everything(""));
        assert!(!sends_everything("Ex"));
        assert!(!sends_everything("K$"));
    }
}
