//! The floor: the least any tool must do to rewrite every key of the store, measured in
//! the same run as the upgrade so that the ratio survives this machine's drift.
//!
//! It reads every key and writes the same bytes back, with the client and batch size the
//! engine's store uses (redis-rs, `SCAN … COUNT batch` then pipelined `GET`s, pipelined
//! `SET`s; for redb one read transaction and one write transaction), and nothing else: no
//! parsing, no staging, no image for rollback, no lease. It is written against the client
//! libraries directly rather than through `df_migrations::store`, so that overheads of our
//! store code count against us instead of raising the floor.

use anyhow::Context;
use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// A floor measurement, in seconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Floor {
    pub read: f64,
    pub write: f64,
    pub keys: usize,
    pub bytes: u64,
}

impl Floor {
    pub fn total(&self) -> f64 {
        self.read + self.write
    }
}

/// Bare read and write-back of a Redis database.
pub fn redis(url: &str, batch: usize) -> anyhow::Result<Floor> {
    let mut connection = redis::Client::open(url)?.get_connection().with_context(|| format!("connecting to {url}"))?;
    let started = Instant::now();
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(batch).query(&mut connection)?;
        for chunk in keys.chunks(batch) {
            let mut pipe = redis::pipe();
            for key in chunk {
                pipe.cmd("GET").arg(key);
            }
            let values: Vec<Option<Vec<u8>>> = pipe.query(&mut connection)?;
            entries.extend(chunk.iter().cloned().zip(values).filter_map(|(k, v)| Some((k, v?))));
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let read = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for chunk in entries.chunks(batch) {
        let mut pipe = redis::pipe();
        for (key, value) in chunk {
            pipe.cmd("SET").arg(key).arg(value).ignore();
        }
        pipe.query::<()>(&mut connection)?;
    }
    let write = started.elapsed().as_secs_f64();
    Ok(Floor { read, write, keys: entries.len(), bytes: entries.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum() })
}

/// Bare read and rewrite of a redb file: every key read in one read transaction, then
/// written back in one write transaction.
pub fn redb(path: &std::path::Path) -> anyhow::Result<Floor> {
    let db = redb::Database::open(path).with_context(|| format!("opening {}", path.display()))?;
    let started = Instant::now();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    {
        let txn = db.begin_read()?;
        let table = txn.open_table(df_migrations::store::REDB_KEYS)?;
        for entry in table.iter()? {
            let (key, value) = entry?;
            entries.push((key.value().to_owned(), value.value().to_vec()));
        }
    }
    let read = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let txn = db.begin_write()?;
    {
        let mut table = txn.open_table(df_migrations::store::REDB_KEYS)?;
        for (key, value) in &entries {
            table.insert(key.as_str(), value.as_slice())?;
        }
    }
    txn.commit()?;
    let write = started.elapsed().as_secs_f64();
    Ok(Floor { read, write, keys: entries.len(), bytes: entries.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum() })
}
