//! Opening a store from the URL an operator gives.
//!
//! | URL | store |
//! |---|---|
//! | `PATH` or `redb:PATH` | the embedded redb file |
//! | `redis://[:password@]host:port[/db]` | a single Redis server |
//! | `redis+cluster://h1:p1,h2:p2,…` | a Redis Cluster, found from any of its nodes |
//! | `etcd://[user:password@]h1:p1[,h2:p2…][?prefix=P&max-txn-ops=N&max-request-bytes=N]` | an etcd cluster, through any of its members, in Dragonflow's etcd layout |
//! | `memory:` | an empty in-memory store (for trying things out) |
//!
//! [`open`] refuses a redb file that does not exist, so that a mistyped path is not taken
//! for a new, empty database; [`open_or_create`] creates it. (A Redis database always
//! exists; the engine refuses to initialize an empty one unless told to, see
//! `UpgradeOptions::init`.)

use super::{EtcdOptions, EtcdStore, MemoryStore, RedbStore, RedisClusterStore, RedisOptions, RedisStore, Store, StoreError};
use std::path::Path;

/// The accepted forms, for messages.
pub const URL_FORMS: &str = "a file path, `redb:PATH`, `redis://host:port/db`, `redis+cluster://h1:p1,h2:p2`, `etcd://h1:p1,h2:p2` or `memory:`";

/// `url` without what may be credentials: everything between the scheme and the last `@`
/// (`user:password@`, or a cluster's first nodes' too) becomes `***`. For a URL to show
/// in a message before (or instead of) a store's own description.
///
/// ```
/// use df_migrations::store::redact;
///
/// assert_eq!(redact("redis://admin:hunter2@10.0.0.1:6379/1"), "redis://***@10.0.0.1:6379/1");
/// assert_eq!(redact("postgres://u:pw@db/nb"), "postgres://***@db/nb");
/// assert_eq!(redact("nb.redb"), "nb.redb");
/// ```
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// Opens the store a URL names (the forms are in the module documentation). Anything that
/// looks like another scheme is refused rather than taken for a file name.
///
/// ```
/// use df_migrations::store::{open, RedisOptions};
///
/// let options = RedisOptions::default();
/// assert_eq!(open("memory:", &options)?.describe(), "memory:");
///
/// // A redb file must exist; `redb:` in front is optional.
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("nb.redb");
/// let refused = open(&format!("redb:{}", path.display()), &options).err().expect("no such file");
/// assert_eq!(refused.to_string(), format!("redb:{} does not exist", path.display()));
/// assert!(!path.exists());
///
/// // Redis URLs connect as they open; what they report never shows a password.
/// let refused = open("redis://:hunter2@127.0.0.1:1/0", &options).err().expect("nothing listens on port 1");
/// assert!(refused.to_string().starts_with("redis://127.0.0.1:1/0: "), "{refused}");
/// assert!(!refused.to_string().contains("hunter2"));
///
/// // Another scheme is refused, naming the forms there are.
/// let refused = open("postgres://db.example/nb", &options).err().unwrap();
/// assert!(refused.to_string().contains("unknown scheme `postgres://`; give a file path"), "{refused}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(url: &str, redis: &RedisOptions) -> Result<Box<dyn Store>, StoreError> {
    open_url(url, redis, RedbStore::open)
}

/// Opens the store a URL names as [`open`] does, creating a redb file that does not exist.
///
/// ```
/// use df_migrations::store::{open_or_create, RedisOptions};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("nb.redb");
/// let store = open_or_create(path.to_str().unwrap(), &RedisOptions::default())?;
/// assert_eq!(store.describe(), format!("redb:{}", path.display()));
/// drop(store);
/// assert!(path.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_or_create(url: &str, redis: &RedisOptions) -> Result<Box<dyn Store>, StoreError> {
    open_url(url, redis, RedbStore::create)
}

/// The embedded database file a URL names (`PATH` or `redb:PATH`), if it names one.
///
/// ```
/// use df_migrations::store::redb_file;
/// use std::path::Path;
///
/// assert_eq!(redb_file("redb:/var/lib/nb.redb"), Some(Path::new("/var/lib/nb.redb")));
/// assert_eq!(redb_file("nb.redb"), Some(Path::new("nb.redb")));
/// assert_eq!((redb_file("redis://h:6379/0"), redb_file("memory:"), redb_file("")), (None, None, None));
/// ```
pub fn redb_file(url: &str) -> Option<&Path> {
    if url.trim().is_empty() || url == "memory:" {
        return None;
    }
    match url.strip_prefix("redb:") {
        Some(path) => Some(Path::new(path)),
        None => (!url.contains("://")).then(|| Path::new(url)),
    }
}

/// [`open`] and [`open_or_create`], which differ in how they open a redb file.
fn open_url(url: &str, redis: &RedisOptions, redb: fn(&Path) -> Result<RedbStore, StoreError>) -> Result<Box<dyn Store>, StoreError> {
    let bad = |message: String| StoreError::Backend { store: redact(url), message };
    if url.trim().is_empty() {
        return Err(bad(format!("empty database URL; give {URL_FORMS}")));
    }
    if url == "memory:" {
        return Ok(Box::new(MemoryStore::new()));
    }
    if let Some(path) = url.strip_prefix("redb:") {
        return Ok(Box::new(redb(Path::new(path))?));
    }
    if url.starts_with("redis://") || url.starts_with("rediss://") {
        return Ok(Box::new(RedisStore::connect(url, redis)?));
    }
    if let Some(nodes) = url.strip_prefix("redis+cluster://") {
        let nodes: Vec<String> = nodes.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
        if nodes.is_empty() {
            return Err(bad(format!("no cluster nodes; write {URL_FORMS}")));
        }
        return Ok(Box::new(RedisClusterStore::connect(&nodes, redis)?));
    }
    if let Some(rest) = url.strip_prefix("etcd://") {
        let (endpoints, credentials, options) = etcd_url(rest, redis).map_err(bad)?;
        return Ok(Box::new(EtcdStore::connect(&endpoints, credentials, options)?));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        return Err(bad(format!("unknown scheme `{scheme}://`; give {URL_FORMS}")));
    }
    Ok(Box::new(redb(Path::new(url))?))
}

/// A user name and password.
type Credentials = (String, String);

/// The members, credentials and options of an `etcd://` URL (after the scheme); the
/// timeouts and page size are `redis`'s, which the runner's options set for every store.
fn etcd_url(rest: &str, redis: &RedisOptions) -> Result<(Vec<String>, Option<Credentials>, EtcdOptions), String> {
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (credentials, members) = match authority.rsplit_once('@') {
        Some((credentials, members)) => {
            let (user, password) = credentials.split_once(':').ok_or("credentials are `user:password@`")?;
            (Some((user.to_owned(), password.to_owned())), members)
        }
        None => (None, authority),
    };
    let endpoints: Vec<String> = members.trim_end_matches('/').split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned).collect();
    if endpoints.is_empty() {
        return Err(format!("no etcd members; write {URL_FORMS}"));
    }
    let mut options = EtcdOptions { page: redis.batch_size, connection_timeout: redis.connection_timeout, response_timeout: redis.response_timeout, ..EtcdOptions::default() };
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = || value.parse::<usize>().map_err(|_| format!("`{name}` takes a number, not `{value}`"));
        match name {
            "prefix" => value.clone_into(&mut options.prefix),
            "max-txn-ops" => options.max_txn_ops = number()?,
            "max-request-bytes" => options.max_request_bytes = number()?,
            "quota-backend-bytes" => options.quota_backend_bytes = number()? as u64,
            other => return Err(format!("unknown etcd option `{other}`; the options are prefix, max-txn-ops, max-request-bytes and quota-backend-bytes")),
        }
    }
    Ok((endpoints, credentials, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(url: &str) -> String {
        open(url, &RedisOptions::default()).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn each_form_opens_its_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nb.redb");
        assert_eq!(open("memory:", &RedisOptions::default()).unwrap().describe(), "memory:");
        assert!(matches!(open(path.to_str().unwrap(), &RedisOptions::default()), Err(StoreError::Missing { .. })));
        assert!(!path.exists(), "open created the file");
        drop(open_or_create(path.to_str().unwrap(), &RedisOptions::default()).unwrap());
        let plain = open(path.to_str().unwrap(), &RedisOptions::default()).unwrap();
        assert_eq!(plain.describe(), format!("redb:{}", path.display()));
        drop(plain);
        let prefixed = open(&format!("redb:{}", path.display()), &RedisOptions::default()).unwrap();
        assert_eq!(prefixed.describe(), format!("redb:{}", path.display()));
    }

    #[test]
    fn bad_urls_say_what_is_accepted() {
        assert!(error("").contains("empty database URL"));
        assert!(error("postgres://localhost/nb").contains("unknown scheme `postgres://`"));
        assert!(error("redis+cluster://").contains("no cluster nodes"));
        assert!(error("redis+cluster://,").contains(URL_FORMS));
        assert!(error("etcd://").contains("no etcd members"));
        assert!(error("etcd://h:1?depth=3").contains("unknown etcd option `depth`"));
        assert!(error("etcd://h:1?max-txn-ops=many").contains("`max-txn-ops` takes a number"));
    }

    #[test]
    fn etcd_urls_give_members_credentials_and_options() {
        let (members, credentials, options) = etcd_url("root:pw@10.0.0.1:2379,10.0.0.2:2379?prefix=/nb&max-txn-ops=1024", &RedisOptions::default()).unwrap();
        assert_eq!(members, ["10.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(credentials, Some(("root".to_owned(), "pw".to_owned())));
        assert_eq!((options.prefix.as_str(), options.max_txn_ops, options.max_request_bytes), ("/nb", 1024, 3 << 19));
        let refused = error("etcd://root:secret@127.0.0.1:1");
        assert!(refused.starts_with("etcd://127.0.0.1:1: ") && !refused.contains("secret"), "{refused}");
    }
}
