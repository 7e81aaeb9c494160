//! `df-bench speed`: baseline plus a full 2.0 → 5.0 upgrade of generated Dragonflow
//! deployments, against the floor of the same store measured in the same run.
//!
//! For each store and size: a fresh store (a private `redis-server` without persistence,
//! or a redb file in a temporary directory) is seeded with
//! `dragonflow_fixtures::generate(N)`; then, each in a process of its own, the
//! floor (bare read and write-back), `df-runner baseline --release 2.0`, `df-runner
//! status`, the upgrade (timed per phase by the engine's report), `status` again, then
//! with nothing pending `df-runner upgrade` and the application's start-up call; on Redis,
//! last, the Python peer (see `peer`) on a server of its own.

mod child;
mod floor;
mod growth;
mod peer;
mod report;

use anyhow::Context;
use child::{FloorRun, Task, UpgradeRun};
use df_migrations::store::{Op, RedisOptions};
use serde::Serialize;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Deployment sizes, in objects.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000, 1_000_000])]
    sizes: Vec<usize>,
    /// Stores to measure.
    #[arg(long, value_delimiter = ',', value_enum, default_values_t = [StoreKind::Redis, StoreKind::Redb])]
    stores: Vec<StoreKind>,
    /// Commands per Redis pipeline and keys per `SCAN` (the engine's default).
    #[arg(long, default_value_t = RedisOptions::DEFAULT_BATCH_SIZE)]
    batch: usize,
    /// Seed of the generated deployment.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Leave out the Python peer (`python/peer.py`, which needs `python3` with redis-py)
    /// that the Redis upgrade is compared with.
    #[arg(long)]
    no_python: bool,
    /// Also write the measurements as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Internal: run one measurement in this process (see `child`).
    #[arg(long, hide = true, requires = "db")]
    child: Option<Task>,
    /// Internal: the database of `--child`.
    #[arg(long, hide = true)]
    db: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Redis,
    Redb,
    Etcd,
}

/// One store and size, measured.
#[derive(Debug, Serialize)]
pub struct Measurement {
    pub store: StoreKind,
    pub objects: usize,
    /// Keys plus values of the seeded dataset.
    pub raw_bytes: u64,
    pub floor: FloorRun,
    /// `df-runner baseline` and `status` (before and after the upgrade), as processes.
    pub baseline: f64,
    pub status_before: f64,
    pub status_after: f64,
    pub upgrade: UpgradeRun,
    /// `df-runner upgrade` again, with nothing pending, as a process.
    pub upgrade_current: f64,
    /// The application's start-up call (`Migrator::run`) with nothing pending, in process.
    pub startup: f64,
    /// The Python peer's upgrade of the same data (Redis only).
    pub python: Option<peer::PeerRun>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if let (Some(task), Some(db)) = (args.child, &args.db) {
        return child::run(task, db, args.batch);
    }
    let mut measurements = Vec::new();
    for &objects in &args.sizes {
        for &store in &args.stores {
            eprintln!("measuring {store:?} with {objects} objects");
            measurements.push(measure(args, store, objects)?);
        }
    }
    print!("{}{}", report::markdown(&measurements), growth::markdown(&measurements));
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&measurements)?).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A fresh store, kept alive while it is measured.
enum Fresh {
    Redis(df_testkit::redis_server::RedisServer),
    Redb(tempfile::TempDir),
    Etcd(df_testkit::etcd_server::EtcdServer),
}

/// The backend quota of the benchmarks' etcd: the default 2 GiB does not hold the
/// revisions of the larger runs (every upgrade writes each changed key, staged twice).
const ETCD_QUOTA: u64 = 16 << 30;

impl Fresh {
    fn start(kind: StoreKind) -> anyhow::Result<Fresh> {
        Ok(match kind {
            StoreKind::Redis => Fresh::Redis(df_testkit::redis_server::RedisServer::start().context("`redis-server` is not on PATH")?),
            StoreKind::Redb => Fresh::Redb(tempfile::Builder::new().prefix("df-bench-").tempdir()?),
            StoreKind::Etcd => Fresh::Etcd(
                df_testkit::etcd_server::EtcdServer::start(&["--quota-backend-bytes", &ETCD_QUOTA.to_string()]).context("`etcd` is not on PATH")?,
            ),
        })
    }

    fn url(&self) -> String {
        match self {
            Fresh::Redis(server) => server.url(),
            Fresh::Redb(dir) => format!("redb:{}", dir.path().join("nb.redb").display()),
            Fresh::Etcd(server) => server.url(&format!("quota-backend-bytes={ETCD_QUOTA}")),
        }
    }
}

fn measure(args: &Args, kind: StoreKind, objects: usize) -> anyhow::Result<Measurement> {
    let fresh = Fresh::start(kind)?;
    let url = fresh.url();
    let raw_bytes = seed(&url, objects, args)?;
    let floor: FloorRun = child(args, Task::Floor, &url)?;
    let baseline = runner(&url, &["baseline", "--release", "2.0"])?;
    let status_before = runner(&url, &["status"])?;
    let upgrade: UpgradeRun = child(args, Task::Upgrade, &url)?;
    let status_after = runner(&url, &["status"])?;
    let upgrade_current = runner(&url, &["upgrade"])?;
    let startup: f64 = child(args, Task::Startup, &url)?;
    let python = match &fresh {
        Fresh::Redis(server) if !args.no_python => Some(peer::run(objects, args, server)?),
        _ => None,
    };
    Ok(Measurement { store: kind, objects, raw_bytes, floor, baseline, status_before, status_after, upgrade, upgrade_current, startup, python })
}

/// Writes a generated 2.0 deployment; returns its size in bytes (keys plus values).
fn seed(url: &str, objects: usize, args: &Args) -> anyhow::Result<u64> {
    let data = dragonflow_fixtures::generate(objects, args.seed);
    let bytes = data.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum();
    let ops: Vec<Op> = data.into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    let options = RedisOptions { batch_size: args.batch, ..RedisOptions::default() };
    df_migrations::store::open_or_create(url, &options)?.write(&ops).with_context(|| format!("seeding {url}"))?;
    Ok(bytes)
}

/// Runs a measurement in a child process and reads its JSON line.
fn child<T: serde::de::DeserializeOwned>(args: &Args, task: Task, url: &str) -> anyhow::Result<T> {
    let task_name = format!("{task:?}").to_lowercase();
    let output = Command::new(std::env::current_exe()?)
        .args(["speed", "--child", &task_name, "--db", url, "--batch", &args.batch.to_string()])
        .output()?;
    anyhow::ensure!(output.status.success(), "the {task_name} run on {url} failed: {}", String::from_utf8_lossy(&output.stderr));
    let line = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(line.trim()).with_context(|| format!("reading the {task_name} run's report: {line}"))
}

/// Runs `df-runner` as a process and returns its wall time in seconds.
fn runner(url: &str, args: &[&str]) -> anyhow::Result<f64> {
    let started = Instant::now();
    df_testkit::runner::Runner::new(url).ok(args)?;
    Ok(started.elapsed().as_secs_f64())
}
