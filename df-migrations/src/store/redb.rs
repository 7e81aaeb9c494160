//! The embedded default: one redb file, an ACID store made for the job. A batch of writes
//! is one write transaction, so the engine commits an upgrade in one transaction.
//!
//! The lease is a file lock on `<file>.lock` beside the database, which the operating
//! system releases when the process dies; the file holds who took it and since when, so
//! that a second runner's error names the holder. redb itself also refuses a second
//! process that opens the same file, and that error names the holder the same way.

use super::{Fenced, Holder, LeaseState, Op, Store, StoreError};
use redb::{Database, ReadableDatabase, TableDefinition, TableError};
use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The one table of the file: every key of the layout, as in Redis. Public so that tools
/// (the benchmarks' bare read-and-rewrite floor) read the same file without the engine.
pub const REDB_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keys");

/// See the module documentation.
pub struct RedbStore {
    path: PathBuf,
    db: Database,
    lease: Option<(String, File)>,
}

/// redb's page cache. With redb's default (1 GiB) the cache grows by most of a dataset
/// during an upgrade's one write transaction, on top of the engine's own copy of the
/// data; the engine reads each key once and holds the data itself, so it gains little
/// from a large cache, and a small one keeps the peak memory down.
const REDB_CACHE: usize = 64 << 20;

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The holder recorded in a lock file, if it can be read.
fn recorded_holder(path: &Path) -> Option<Holder> {
    let text = std::fs::read_to_string(lock_path(path)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(Holder { who: value["who"].as_str()?.to_owned(), since: value["since"].as_str()?.to_owned() })
}

/// Opens (or creates) the file with redb, turning a panic of redb's on a damaged file (a
/// truncated one fails an assertion inside redb) into an error with its message. The panic
/// hook is silenced meanwhile, so that the refusal is the only thing printed.
fn open_unwinding(path: &Path) -> Result<Result<redb::Database, redb::DatabaseError>, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(|| redb::Builder::new().set_cache_size(REDB_CACHE).create(path));
    std::panic::set_hook(hook);
    opened.map_err(|panic| {
        let text = panic.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| panic.downcast_ref::<String>().cloned());
        text.unwrap_or_else(|| "redb panicked".to_owned())
    })
}

impl RedbStore {
    /// Opens the database file; a file that does not exist is refused
    /// ([`StoreError::Missing`]), so that a mistyped path is not taken for a new database.
    pub fn open(path: &Path) -> Result<RedbStore, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing { store: format!("redb:{}", path.display()) });
        }
        RedbStore::create(path)
    }

    /// Opens the database file, creating it if it does not exist.
    pub fn create(path: &Path) -> Result<RedbStore, StoreError> {
        let describe = format!("redb:{}", path.display());
        let db = open_unwinding(path).map_err(|damage| StoreError::Backend {
            store: describe.clone(),
            message: format!(
                "the file is damaged ({damage}): it is not a whole redb database (truncated, or written by something \
                 else). Nothing was changed; restore the file from a copy, or import an export into a new database"
            ),
        })?;
        let db = db.map_err(|e| {
            let message = match (&e, recorded_holder(path)) {
                (redb::DatabaseError::DatabaseAlreadyOpen, Some(holder)) => {
                    format!("the database is open in another process: {} since {}", holder.who, holder.since)
                }
                (redb::DatabaseError::DatabaseAlreadyOpen, None) => {
                    "the database is open in another process (a runner or an application): wait for it to finish, or stop it".to_owned()
                }
                _ => format!("cannot open: {e}"),
            };
            StoreError::Backend { store: describe.clone(), message }
        })?;
        Ok(RedbStore { path: path.to_owned(), db, lease: None })
    }

    fn error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend { store: self.describe(), message: e.to_string() }
    }

    fn holds(&self, token: &str) -> bool {
        self.lease.as_ref().is_some_and(|(t, _)| t == token)
    }

    /// One write transaction: the batch, all or nothing.
    fn apply(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut table = txn.open_table(REDB_KEYS).map_err(|e| self.error(e))?;
            for op in batch {
                let key_error = |e: redb::StorageError| StoreError::Key { store: self.describe(), key: op.key().to_owned(), message: e.to_string() };
                match op {
                    Op::Set(key, value) => {
                        table.insert(key.as_str(), value.as_slice()).map_err(key_error)?;
                    }
                    Op::Delete(key) => {
                        table.remove(key.as_str()).map_err(key_error)?;
                    }
                    Op::Rename { from, to } => {
                        let value = table.remove(from.as_str()).map_err(key_error)?.map(|v| v.value().to_vec());
                        let value = value.ok_or_else(|| StoreError::Key { store: self.describe(), key: from.clone(), message: "no such key to rename".into() })?;
                        table.insert(to.as_str(), value.as_slice()).map_err(key_error)?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| self.error(e))
    }
}

impl Store for RedbStore {
    fn describe(&self) -> String {
        format!("redb:{}", self.path.display())
    }

    /// redb locks its file while it is open: no other process, and no other handle of
    /// this one, can write until this store is dropped.
    fn watch_writes(&mut self, _prefix: &str) -> Result<super::Watching, StoreError> {
        Ok(super::Watching::Exclusive)
    }

    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = match txn.open_table(REDB_KEYS) {
            Ok(table) => table,
            Err(TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(self.error(e)),
        };
        for entry in table.range(prefix..).map_err(|e| self.error(e))? {
            let (key, value) = entry.map_err(|e| self.error(e))?;
            if !key.value().starts_with(prefix) {
                break;
            }
            visit(key.value().as_bytes(), value.value().to_vec());
        }
        Ok(())
    }

    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = match txn.open_table(REDB_KEYS) {
            Ok(table) => table,
            Err(TableError::TableDoesNotExist(_)) => return Ok(vec![None; keys.len()]),
            Err(e) => return Err(self.error(e)),
        };
        keys.iter()
            .map(|key| Ok(table.get(key.as_str()).map_err(|e| self.error(e))?.map(|v| v.value().to_vec())))
            .collect()
    }

    fn write(&mut self, batch: &[Op]) -> Result<(), StoreError> {
        self.apply(batch)
    }

    fn acquire_lease(&mut self, token: &str, holder: &Holder, _ttl: Duration) -> Result<Option<Holder>, StoreError> {
        let path = lock_path(&self.path);
        let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(|e| self.error(format!("{}: {e}", path.display())))?;
        if file.try_lock().is_err() {
            let unknown = Holder { who: "an unknown process".into(), since: "an unknown time".into() };
            return Ok(Some(recorded_holder(&self.path).unwrap_or(unknown)));
        }
        let record = serde_json::json!({"who": holder.who, "since": holder.since}).to_string();
        file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(record.as_bytes())).map_err(|e| self.error(e))?;
        self.lease = Some((token.to_owned(), file));
        Ok(None)
    }

    /// Ours, or no one's: redb lets one process at a time open the file, and the file
    /// lock dies with its process, so another holder cannot be seen, nor be stale.
    fn lease(&mut self) -> Result<Option<LeaseState>, StoreError> {
        Ok(self.lease.is_some().then(|| LeaseState {
            holder: recorded_holder(&self.path).unwrap_or_else(|| Holder { who: "this process".into(), since: "now".into() }),
            token: None,
            expires_in: None,
        }))
    }

    fn renew_lease(&mut self, token: &str, _ttl: Duration) -> Result<bool, StoreError> {
        // A file lock does not expire: it is ours until released or until we die.
        Ok(self.holds(token))
    }

    fn release_lease(&mut self, token: &str) -> Result<(), StoreError> {
        if self.holds(token) {
            if let Some((_, file)) = self.lease.take() {
                let _ = file.set_len(0);
                file.unlock().map_err(|e| self.error(e))?;
            }
        }
        Ok(())
    }

    /// The file lock cannot expire while we live: holding it is the fence, and one
    /// write transaction makes the batch all-or-nothing.
    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, StoreError> {
        if !self.holds(token) {
            return Ok(Fenced::LeaseLost);
        }
        self.apply(batch)?;
        Ok(Fenced::Written)
    }
}
