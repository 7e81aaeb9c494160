//! The key forms of both key layouts (see `df_schema::key_layout`): Dragonflow's, so that a
//! real Dragonflow database is read and upgraded in place, and an application's, which is
//! the same forms under a namespace that `crate::store::Namespaced` adds and strips at
//! the store, so that everything here works on keys without it.
//!
//! - An object: `{<table>.<topic>}<id>`; models without a topic use the empty topic.
//! - A table's unique-key counter: `{unique_key.}<table>` (a decimal integer, as `INCR`
//!   keeps it).
//! - The migration log is the table `schema_migration`.
//! - The engine's own records are the table `df_schema` (see `crate::records`).
//! - While a commit is staged, a key's new value waits under the same hash tag with the
//!   id prefixed by `~df-stage~<commit>~`, and a key to delete is marked by
//!   `~df-drop~<commit>~` (`<commit>` tags the commit the key belongs to), so that on Redis
//!   Cluster each lives in the slot of the key it belongs to and the store can rename
//!   between them. Dragonflow's layout leaves no part of a key that its ids cannot reach,
//!   so an object's id may begin as a marker does: such a key holds an object whose `id`
//!   is the whole id after the hash tag, which no key of the engine's does (a staged
//!   value names the key it is staged for, a drop mark is empty, see [`marked_object`]),
//!   and it is read, upgraded and kept like any other.
//! - An upgrade's pre-upgrade image (what rollback restores, see `crate::image`) is
//!   chunks `{df_schema.<n>}~df-image~<commit>`: the chunk's number is in the hash tag, so
//!   that on Redis Cluster an image spreads over the slots like the data it holds.

use std::fmt;

/// The table of per-table unique-key counters.
pub const COUNTERS: &str = "unique_key";
/// The migration log (Dragonflow's `SchemaMigrationLog`).
pub const LOG_TABLE: &str = "schema_migration";
/// The engine's own records.
pub const ENGINE_TABLE: &str = "df_schema";

const STAGE: &str = "~df-stage~";
const DROP: &str = "~df-drop~";
const IMAGE: &str = "~df-image~";

/// A parsed key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// An object of a table (the log and the engine's records included).
    Object {
        /// Its table.
        table: String,
        /// Its topic (its partition; empty for models without one).
        topic: String,
        /// Its id.
        id: String,
    },
    /// A table's unique-key counter.
    Counter {
        /// The table it counts for.
        table: String,
    },
}

/// What a stored key is: live data or records, or a key of a commit in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredKey {
    /// A live key: an object, a counter, a log row or an engine record.
    Live(Key),
    /// The staged new value of a key, during a commit.
    Staged(Key),
    /// A key the commit deletes, during a commit.
    Dropped(Key),
    /// Chunk `chunk` of the pre-upgrade image of the commit tagged `tag`.
    Image {
        /// The commit tag of the upgrade the image belongs to.
        tag: String,
        /// The chunk's number.
        chunk: usize,
    },
}

/// A key that does not follow the layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key {key:?} is in df-schema's namespace but not in its key layout's form (`{{table.topic}}id` or `{{unique_key.}}table`): {reason}")]
pub struct LayoutError {
    /// The key, as text (invalid UTF-8 replaced).
    pub key: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Key {
    /// The key of object `id` of `table` in `topic`.
    pub fn object(table: &str, topic: &str, id: &str) -> Key {
        Key::Object { table: table.to_owned(), topic: topic.to_owned(), id: id.to_owned() }
    }

    /// The key of `table`'s unique-key counter.
    pub fn counter(table: &str) -> Key {
        Key::Counter { table: table.to_owned() }
    }

    fn with_marker(&self, marker: &str) -> String {
        match self {
            Key::Object { table, topic, id } => assemble(table, topic, marker, id),
            Key::Counter { table } => assemble(COUNTERS, "", marker, table),
        }
    }

    /// The stored key.
    pub fn encode(&self) -> String {
        self.with_marker("")
    }

    /// The table the key belongs to (a counter's: the table it counts for).
    pub fn table(&self) -> &str {
        match self {
            Key::Object { table, .. } | Key::Counter { table } => table,
        }
    }
}

/// The stored key of an object: what `Key::object(table, topic, id).encode()` gives,
/// without building the `Key` (a commit encodes a key per object).
pub fn object_key(table: &str, topic: &str, id: &str) -> String {
    assemble(table, topic, "", id)
}

/// A stored key as the parts that join to it.
pub type KeyParts<'a> = [&'a str; 7];

/// `{table.topic}` (the hash tag), then `marker`, then `rest`, as parts: what walks every
/// key of a database without a `String` per key (see `Snapshot::live`) joins or copies.
pub fn key_parts<'a>(table: &'a str, topic: &'a str, marker: &'a str, rest: &'a str) -> KeyParts<'a> {
    ["{", table, ".", topic, "}", marker, rest]
}

fn assemble(table: &str, topic: &str, marker: &str, rest: &str) -> String {
    key_parts(table, topic, marker, rest).concat()
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// The key that stages a new value for the stored key `raw` (same hash tag) in the
/// commit tagged `commit`. The tag keeps apart the staging keys of two runners: one
/// whose lease expired while it staged must not overwrite the keys of the commit that
/// took over.
pub fn stage_raw(raw: &str, commit: &str) -> String {
    insert_marker(raw, &format!("{STAGE}{commit}~"))
}

/// The key that marks the stored key `raw` for deletion (same hash tag) in the commit
/// tagged `commit`.
pub fn drop_raw(raw: &str, commit: &str) -> String {
    insert_marker(raw, &format!("{DROP}{commit}~"))
}

/// The commit tag of a staging key or drop mark.
pub fn commit_tag(raw: &str) -> Option<&str> {
    let rest = &raw[raw.find('}')? + 1..];
    let rest = rest.strip_prefix(STAGE).or_else(|| rest.strip_prefix(DROP))?;
    rest.split_once('~').map(|(tag, _)| tag)
}

/// The key of chunk `chunk` of the pre-upgrade image of the commit tagged `commit`.
pub fn image_key(commit: &str, chunk: usize) -> String {
    assemble(ENGINE_TABLE, &chunk.to_string(), IMAGE, commit)
}

fn insert_marker(raw: &str, marker: &str) -> String {
    match raw.find('}') {
        Some(close) => format!("{}{marker}{}", &raw[..=close], &raw[close + 1..]),
        None => format!("{marker}{raw}"),
    }
}

/// The stored key a staging key or drop mark belongs to, by removing the first marker
/// (with its commit tag).
pub fn unmark_raw(raw: &str) -> Option<String> {
    let close = raw.find('}')?;
    let rest = &raw[close + 1..];
    let rest = rest.strip_prefix(STAGE).or_else(|| rest.strip_prefix(DROP))?.split_once('~')?.1;
    Some(format!("{}{rest}", &raw[..=close]))
}

/// Why object `id` of `table` in `topic` cannot be stored as a key of this layout and read
/// back as itself (an empty id, a topic that holds the hash tag's `}`), if it cannot.
pub fn unstorable(table: &str, topic: &str, id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("its id is empty");
    }
    let key = Key::object(table, topic, id);
    match parse_unmarked(key.encode().as_bytes()) {
        Ok(back) if back == key => None,
        _ => Some("its key does not read back as the same table, topic and id"),
    }
}

/// Parses a stored key.
pub fn parse(raw: &[u8]) -> Result<StoredKey, LayoutError> {
    parse_key(raw, true)
}

/// The object that `raw`, a key in the form of a staging key or drop mark, holds unless
/// it is the engine's: a drop mark (empty), a staged counter or engine record, or a staged
/// object value (a JSON object naming the key it is staged for). Anything else under a
/// data table is an object whose id only begins as a marker does, and is read, checked
/// and refused or kept like any other: never taken for the engine's garbage and deleted.
pub fn marked_object(raw: &[u8], value: &[u8]) -> Option<Key> {
    #[derive(serde::Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    let Ok(StoredKey::Staged(Key::Object { table, id: staged_for, .. }) | StoredKey::Dropped(Key::Object { table, id: staged_for, .. })) = parse(raw) else {
        return None;
    };
    if value.is_empty() || table == ENGINE_TABLE || table == LOG_TABLE {
        return None;
    }
    let staged = serde_json::from_slice::<Named<'_>>(value).is_ok_and(|named| named.id == staged_for.as_str());
    if staged {
        None
    } else {
        parse_unmarked(raw).ok()
    }
}

/// Parses a stored key as a live one, whatever its id begins with: what a key in the form
/// of a staging key or drop mark is when no commit of the engine's records has its tag.
pub fn parse_unmarked(raw: &[u8]) -> Result<Key, LayoutError> {
    match parse_key(raw, false)? {
        StoredKey::Live(key) => Ok(key),
        _ => Err(LayoutError { key: String::from_utf8_lossy(raw).into_owned(), reason: "it is an image chunk, not an object" }),
    }
}

fn parse_key(raw: &[u8], marked: bool) -> Result<StoredKey, LayoutError> {
    let text = std::str::from_utf8(raw).map_err(|_| LayoutError {
        key: String::from_utf8_lossy(raw).into_owned(),
        reason: "it is not UTF-8",
    })?;
    let error = |reason| LayoutError { key: text.to_owned(), reason };
    let inner = text.strip_prefix('{').ok_or_else(|| error("it does not start with `{`"))?;
    let close = inner.find('}').ok_or_else(|| error("its hash tag has no `}`"))?;
    let (tag, rest) = (&inner[..close], &inner[close + 1..]);
    let (table, topic) = tag.split_once('.').ok_or_else(|| error("its hash tag has no `.` between table and topic"))?;
    if table.is_empty() {
        return Err(error("its table is empty"));
    }
    if let Some(tag) = rest.strip_prefix(IMAGE).filter(|_| table == ENGINE_TABLE) {
        let chunk = topic.parse().map_err(|_| error("an image chunk's hash tag does not end in its number"))?;
        if tag.is_empty() {
            return Err(error("an image chunk has no commit tag"));
        }
        return Ok(StoredKey::Image { tag: tag.to_owned(), chunk });
    }
    // A marker without a commit tag is no key of the engine's: an id that begins so.
    let untag = |marker: &str| rest.strip_prefix(marker).filter(|_| marked)?.split_once('~').map(|(_, rest)| rest).filter(|rest| !rest.is_empty());
    let (wrap, rest): (fn(Key) -> StoredKey, &str) = if let Some(rest) = untag(STAGE) {
        (StoredKey::Staged, rest)
    } else if let Some(rest) = untag(DROP) {
        (StoredKey::Dropped, rest)
    } else {
        (StoredKey::Live, rest)
    };
    if rest.is_empty() {
        return Err(error("it has no id after the hash tag"));
    }
    let key = if table == COUNTERS {
        if !topic.is_empty() {
            return Err(error("a counter key has no topic"));
        }
        Key::counter(rest)
    } else {
        Key::object(table, topic, rest)
    };
    Ok(wrap(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_not_read_back_are_named() {
        assert_eq!(unstorable("lport", "t", "p1"), None);
        assert_eq!(unstorable("lsubnet", "t", ""), Some("its id is empty"));
        // The engine tells its own marked keys by their commit tags, not by their form.
        assert_eq!(unstorable("lport", "t", &format!("{STAGE}X~p1")), None);
        assert_eq!(unstorable("lport", "t", &format!("{DROP}X")), None);
        assert_eq!(parse_unmarked(format!("{{lport.t}}{STAGE}X").as_bytes()), Ok(Key::object("lport", "t", &format!("{STAGE}X"))));
    }

    #[test]
    fn an_object_whose_id_looks_like_a_marker_is_told_from_the_engines_keys() {
        let id = format!("{STAGE}X~p1");
        let user = format!("{{lport.t}}{id}");
        assert_eq!(marked_object(user.as_bytes(), format!(r#"{{"id":"{id}","v":1}}"#).as_bytes()), Some(Key::object("lport", "t", &id)));
        // What the engine stages for `{lport.t}p1` names `p1`; a drop mark is empty.
        let staged = stage_raw("{lport.t}p1", "c0ffee");
        assert_eq!(marked_object(staged.as_bytes(), br#"{"id":"p1"}"#), None);
        assert_eq!(marked_object(drop_raw("{lport.t}p1", "c0ffee").as_bytes(), b""), None);
        assert_eq!(marked_object(stage_raw("{unique_key.}lport", "c0ffee").as_bytes(), b"7"), None);
        // Not JSON, or naming another id: the user's, refused or kept as such, never deleted.
        assert_eq!(marked_object(user.as_bytes(), b"not json"), Some(Key::object("lport", "t", &id)));
        assert_eq!(marked_object(user.as_bytes(), br#"{"id":"other"}"#), Some(Key::object("lport", "t", &id)));
        assert_eq!(marked_object(stage_raw("{df_schema.}state", "c0ffee").as_bytes(), b"{}"), None);
        // A staged value of an object whose own id looks like a marker names that id, not the staging key's.
        assert_eq!(marked_object(stage_raw(&user, "c0ffee").as_bytes(), format!(r#"{{"id":"{id}"}}"#).as_bytes()), None);
        assert!(unstorable("lport", "a}b", "p1").is_some_and(|r| r.contains("read back")));
    }

    #[test]
    fn encodes_and_parses_dragonflow_keys() {
        for (key, text) in [
            (Key::object("lport", "tenant1", "4f1c"), "{lport.tenant1}4f1c"),
            (Key::object("chassis", "", "node-1"), "{chassis.}node-1"),
            (Key::counter("lswitch"), "{unique_key.}lswitch"),
            (Key::object("schema_migration", "", "lport-v2"), "{schema_migration.}lport-v2"),
        ] {
            assert_eq!(key.encode(), text);
            if let Key::Object { table, topic, id } = &key {
                assert_eq!(object_key(table, topic, id), text);
            }
            assert_eq!(parse(text.as_bytes()), Ok(StoredKey::Live(key)));
        }
    }

    #[test]
    fn staged_values_keep_the_hash_tag() {
        let key = Key::object("lport", "t1", "p1");
        let staged = stage_raw(&key.encode(), "c0ffee");
        assert_eq!(staged, "{lport.t1}~df-stage~c0ffee~p1");
        assert_eq!(parse(staged.as_bytes()), Ok(StoredKey::Staged(key.clone())));
        assert_eq!(commit_tag(&staged), Some("c0ffee"));
        let counter = Key::counter("secgroup");
        assert_eq!(stage_raw(&counter.encode(), "c0ffee"), "{unique_key.}~df-stage~c0ffee~secgroup");
        let dropped = drop_raw("{lport.t1}p1", "c0ffee");
        assert_eq!(dropped, "{lport.t1}~df-drop~c0ffee~p1");
        assert_eq!(parse(dropped.as_bytes()), Ok(StoredKey::Dropped(key)));
        assert_eq!(commit_tag(&dropped), Some("c0ffee"));
        assert_eq!(commit_tag(&image_key("c0ffee", 0)), None);
        assert_eq!(parse(b"{lport.t1}~df-stage~p1"), Ok(StoredKey::Live(Key::object("lport", "t1", "~df-stage~p1"))));
    }

    #[test]
    fn image_chunks_carry_their_number_in_the_hash_tag() {
        let chunk = image_key("c0ffee", 12);
        assert_eq!(chunk, "{df_schema.12}~df-image~c0ffee");
        assert_eq!(parse(chunk.as_bytes()), Ok(StoredKey::Image { tag: "c0ffee".into(), chunk: 12 }));
        assert!(crate::records::is_bookkeeping(&chunk));
        // Only the engine's table holds images: elsewhere the marker is part of an id.
        assert_eq!(parse(b"{lport.t1}~df-image~c0ffee"), Ok(StoredKey::Live(Key::object("lport", "t1", "~df-image~c0ffee"))));
        assert_eq!(parse(b"{df_schema.x}~df-image~c0ffee").unwrap_err().reason, "an image chunk's hash tag does not end in its number");
        assert_eq!(parse(b"{df_schema.1}~df-image~").unwrap_err().reason, "an image chunk has no commit tag");
    }

    #[test]
    fn any_stored_key_can_be_staged_and_unstaged() {
        let image = image_key("c0ffee", 3);
        let dropped_image = drop_raw(&image, "beef");
        assert_eq!(dropped_image, "{df_schema.3}~df-drop~beef~~df-image~c0ffee");
        assert_eq!(unmark_raw(&dropped_image).as_deref(), Some(image.as_str()));
        assert_eq!(unmark_raw(&stage_raw("{lport.t1}p~1", "c0ffee")).as_deref(), Some("{lport.t1}p~1"));
        assert_eq!(unmark_raw(&image), None);
        assert_eq!(unmark_raw("{lport.t1}p1"), None);
    }

    #[test]
    fn keys_outside_the_layout_are_refused_with_the_reason() {
        for (raw, reason) in [
            (&b"lport:p1"[..], "it does not start with `{`"),
            (b"{lport.t1", "its hash tag has no `}`"),
            (b"{lport}p1", "its hash tag has no `.` between table and topic"),
            (b"{.t}p1", "its table is empty"),
            (b"{lport.t1}", "it has no id after the hash tag"),
            (b"{unique_key.x}lport", "a counter key has no topic"),
            (b"{lport.t1}\xff", "it is not UTF-8"),
        ] {
            assert_eq!(parse(raw).unwrap_err().reason, reason, "{raw:?}");
        }
        let message = parse(b"{session:42").unwrap_err().to_string();
        assert!(message.starts_with("key \"{session:42\" is in df-schema's namespace but not in its key layout's form"), "{message}");
    }
}
