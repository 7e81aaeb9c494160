//! The floor: the least any tool must do to rewrite every key of the store, measured in
//! the same run as the upgrade so that the ratio survives this machine's drift.
//!
//! It reads every key and writes the same bytes back, with the client and batch size the
//! engine's store uses (redis-rs, `SCAN … COUNT batch` then pipelined `GET`s, pipelined
//! `SET`s; for etcd, ureq over its JSON gateway as the store does, range pages of `batch`
//! keys pinned to one revision, then puts in transactions of the server's
//! `--max-txn-ops`; for redb one read transaction and one write transaction), and nothing
//! else: no
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

/// Bare read and write-back of an etcd member at `address` (`host:port`): range pages of
/// `batch` keys at the revision of the first, then puts in transactions of `max_ops`.
pub fn etcd(address: &str, batch: usize, max_ops: usize) -> anyhow::Result<Floor> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let post = |path: &str, body: serde_json::Value| -> anyhow::Result<serde_json::Value> {
        let mut response = agent.post(format!("http://{address}{path}")).header("content-type", "application/json").send(body.to_string().as_bytes())?;
        Ok(serde_json::from_slice(&response.body_mut().with_config().limit(1 << 30).read_to_vec()?)?)
    };
    let started = Instant::now();
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let (mut from, mut revision) = (vec![0u8], String::new());
    loop {
        let mut request = serde_json::json!({ "key": STANDARD.encode(&from), "range_end": STANDARD.encode([0u8]), "limit": batch });
        if !revision.is_empty() {
            request["revision"] = revision.clone().into();
        }
        let reply = post("/v3/kv/range", request)?;
        if revision.is_empty() {
            reply["header"]["revision"].as_str().unwrap_or_default().clone_into(&mut revision);
        }
        let kvs = reply["kvs"].as_array().cloned().unwrap_or_default();
        for kv in &kvs {
            let field = |name: &str| STANDARD.decode(kv[name].as_str().unwrap_or_default());
            entries.push((field("key")?, field("value")?));
        }
        match (kvs.is_empty(), reply["more"].as_bool()) {
            (false, Some(true)) => from = [entries.last().map(|(k, _)| k.clone()).unwrap_or_default(), vec![0]].concat(),
            _ => break,
        }
    }
    let read = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for chunk in entries.chunks(max_ops) {
        let puts: Vec<serde_json::Value> = chunk.iter().map(|(k, v)| serde_json::json!({ "request_put": { "key": STANDARD.encode(k), "value": STANDARD.encode(v) } })).collect();
        post("/v3/kv/txn", serde_json::json!({ "success": puts }))?;
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
