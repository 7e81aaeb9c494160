//! Publishers: the controllers' publish–subscribe endpoints, kept alive by their
//! timestamp. Unchanged since 2.0.

use df_schema::df_model;

/// A publisher service, stored without a topic: `{publisher.}<id>`.
#[df_model(version = 1, table = "publisher", release = "2.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct Publisher {
    /// The publisher's id, as in its key.
    pub id: String,
    /// A name for people, if it has one.
    pub name: Option<String>,
    /// Where subscribers connect, e.g. `tcp://192.0.2.1:8866`.
    pub uri: String,
    /// Seconds since the epoch of the publisher's last heartbeat.
    pub last_activity_timestamp: f64,
}
