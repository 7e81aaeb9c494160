//! The Python peer (`python/peer.py`): the same 2.0 → 5.0 upgrade as an operator's redis-py
//! script would do it, on a Redis of its own seeded alike, timed by the script itself (the
//! interpreter's start left out, as the runner's is), and checked to leave the very objects
//! the runner left: a peer that did less work would flatter nobody.

use super::{seed, Args};
use anyhow::Context;
use df_testkit::redis_server::RedisServer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::process::Command;

/// What the peer reported.
#[derive(Debug, Serialize, Deserialize)]
pub struct PeerRun {
    /// From its first `SCAN` to its last write.
    pub seconds: f64,
    /// Objects it read.
    pub objects: usize,
    /// Keys it set or deleted.
    pub written: usize,
}

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/peer.py");

/// Runs the peer on a fresh Redis seeded with `objects` objects, and compares what it left
/// with `upgraded`, the server the runner upgraded.
pub fn run(objects: usize, args: &Args, upgraded: &RedisServer) -> anyhow::Result<PeerRun> {
    let server = RedisServer::start().context("`redis-server` is not on PATH")?;
    seed(&server.url(), objects, args)?;
    let output = Command::new("python3").arg(SCRIPT).arg(server.url()).output().context("running `python3` for the Python peer")?;
    anyhow::ensure!(
        output.status.success(),
        "the Python peer failed (it needs redis-py: `pip install redis`): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8_lossy(&output.stdout);
    let run: PeerRun = serde_json::from_str(line.trim()).with_context(|| format!("reading the Python peer's report: {line}"))?;
    let (theirs, ours) = (objects_of(&server)?, objects_of(upgraded)?);
    let differ: Vec<&String> = ours.keys().chain(theirs.keys()).filter(|key| ours.get(*key) != theirs.get(*key)).collect();
    anyhow::ensure!(
        differ.is_empty(),
        "the Python peer's upgrade differs from the runner's at {} keys (first: {}), so it is not the same work",
        differ.len(),
        differ[0]
    );
    Ok(run)
}

/// The server's data in Dragonflow's layout (objects and counters, as JSON values, so
/// that the order of fields does not count), without df-schema's records and log.
fn objects_of(server: &RedisServer) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
    let mut objects = BTreeMap::new();
    for (key, value) in server.dump()? {
        if !key.starts_with('{') || key.starts_with("{df_schema.") || key.starts_with("{schema_migration.") {
            continue;
        }
        let value = serde_json::from_slice(&value).with_context(|| format!("{key} does not hold JSON"))?;
        objects.insert(key, value);
    }
    Ok(objects)
}
