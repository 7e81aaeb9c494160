//! Writes by other clients, seen through Redis keyspace notifications: a connection of its
//! own subscribes to the notifications of the keys the engine owns before the upgrade
//! reads, and at the commit the store publishes a marker and reads every notification up
//! to it. Redis runs one command at a time and delivers a subscriber's messages in that
//! order, so every write that ran before the marker is among them: sets, deletes,
//! renames, expiries and evictions alike.
//!
//! Notifications are off by default (`notify-keyspace-events ""`); the watch adds `KA`
//! (keyspace events of every class) for its duration and puts the setting back after. It
//! refuses to vouch for a write-free read when its subscription was dropped (a subscriber
//! whose output buffer overflowed: a flood of writes) or the setting was changed under it.

use super::backend::literal_pattern;
use super::connection::open_node;
use super::RedisOptions;
use redis::{Client, Connection, Value};

/// The flags the watch needs: keyspace events (`K`) of every class (`A`).
const FLAGS: &str = "KA";

/// A subscription to the keyspace notifications of one database's keys with a prefix.
pub(crate) struct Watch {
    connection: Connection,
    client: Client,
    options: RedisOptions,
    /// `__keyspace@<db>__:`, what each notification's channel starts with.
    channel: String,
    /// The channel of the end marker, unique to this watch.
    marker: String,
    /// The setting to put back, if the watch changed it.
    restore: Option<String>,
    /// The keys the watching store wrote itself, which are not others' writes.
    own: std::collections::HashSet<Vec<u8>>,
}

/// Whether `flags` (a `notify-keyspace-events` value) sends the keyspace events of every
/// class: `K` and `A`, or `K` and each class `A` stands for.
fn sends_everything(flags: &str) -> bool {
    flags.contains('K') && (flags.contains('A') || "g$lshzxet".chars().all(|class| flags.contains(class)))
}

impl Watch {
    /// Subscribes to the notifications of database `db`'s keys that start with `prefix`,
    /// turning them on if they are off.
    pub(crate) fn start(client: &Client, options: &RedisOptions, db: i64, prefix: &str) -> Result<Watch, String> {
        let mut connection = open_node(client, options)?;
        let flags = config_get(&mut connection)?;
        let restore = if sends_everything(&flags) {
            None
        } else {
            config_set(&mut connection, &format!("{flags}{FLAGS}"))?;
            Some(flags)
        };
        let channel = format!("__keyspace@{db}__:");
        let marker = format!("df-schema:watch:{}", crate::lease::token());
        let mut watch = Watch { connection, client: client.clone(), options: options.clone(), channel, marker, restore, own: std::collections::HashSet::new() };
        let pattern = format!("{}{}", watch.channel, literal_pattern(prefix));
        let mut subscribe = redis::cmd("PSUBSCRIBE");
        subscribe.arg(pattern);
        let mut marker = redis::cmd("SUBSCRIBE");
        marker.arg(&watch.marker);
        for cmd in [subscribe, marker] {
            watch.connection.send_packed_command(&cmd.get_packed_command()).map_err(|e| format!("subscribing to keyspace notifications: {e}"))?;
            watch.connection.recv_response().map_err(|e| format!("subscribing to keyspace notifications: {e}"))?;
        }
        Ok(watch)
    }

    /// The channel to publish the end marker on.
    pub(crate) fn marker(&self) -> &str {
        &self.marker
    }

    /// Notes that the watching store wrote `key` itself.
    pub(crate) fn wrote(&mut self, key: &[u8]) {
        self.own.insert(key.to_vec());
    }

    /// Reads every notification up to the end marker (published by the caller after the
    /// last write of interest) and returns the keys they name that the watching store did
    /// not write, sorted, each once. An error if the setting that sends them was changed,
    /// or a read failed (the server dropped the subscriber).
    pub(crate) fn finish(mut self) -> Result<Vec<Vec<u8>>, String> {
        let lost = |e: redis::RedisError| format!("lost the keyspace notifications ({e}): writes by others may have gone unseen");
        let mut keys = Vec::new();
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
                        if !self.own.contains(&key) {
                            keys.push(key);
                        }
                    }
                }
                _ => {}
            }
        }
        let flags = config_get(&mut open_node(&self.client, &self.options)?)?;
        if !sends_everything(&flags) {
            return Err(format!("`notify-keyspace-events` was changed to {flags:?} during the upgrade: writes by others may have gone unseen"));
        }
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }
}

impl Drop for Watch {
    /// Puts the setting back, on a connection of its own (this one is subscribed).
    fn drop(&mut self) {
        if let Some(flags) = self.restore.take() {
            if let Ok(mut connection) = open_node(&self.client, &self.options) {
                if let Err(error) = config_set(&mut connection, &flags) {
                    tracing::warn!(%error, "could not turn keyspace notifications back off: `CONFIG SET notify-keyspace-events {flags:?}` does it");
                }
            }
        }
    }
}

fn config_get(connection: &mut Connection) -> Result<String, String> {
    let reply: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("notify-keyspace-events")
        .query(connection)
        .map_err(|e| format!("`CONFIG GET notify-keyspace-events` failed ({e}): the server cannot report writes by others"))?;
    Ok(reply.get(1).cloned().unwrap_or_default())
}

fn config_set(connection: &mut Connection, flags: &str) -> Result<(), String> {
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg(flags)
        .query::<()>(connection)
        .map_err(|e| format!("`CONFIG SET notify-keyspace-events {flags}` failed ({e}): the server cannot report writes by others"))
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
