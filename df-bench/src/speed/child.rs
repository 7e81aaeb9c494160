//! The measurements that run in a child process of their own, so that each one's peak
//! resident memory is its own and not the generator's or an earlier run's. A child prints
//! one JSON line, which the parent reads.

use super::floor::{self, Floor};
use anyhow::Context;
use df_migrations::{Build, Engine, Phase, UpgradeOptions};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What a child measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Task {
    Floor,
    Upgrade,
    /// The application's start-up call on a database with nothing pending.
    Startup,
}

/// A floor run, with the child's peak memory.
#[derive(Debug, Serialize, Deserialize)]
pub struct FloorRun {
    pub floor: Floor,
    pub peak_rss: u64,
}

/// An upgrade run: seconds per phase and in all, and the child's peak memory.
#[derive(Debug, Serialize, Deserialize)]
pub struct UpgradeRun {
    pub read: f64,
    pub migrate: f64,
    pub validate: f64,
    pub commit: f64,
    pub total: f64,
    pub objects: usize,
    pub steps: usize,
    pub peak_rss: u64,
}

/// Runs `task` on the store at `url` and prints its JSON line.
pub fn run(task: Task, url: &str, batch: usize) -> anyhow::Result<()> {
    let line = match task {
        Task::Floor => {
            let floor = if let Some(path) = url.strip_prefix("redb:") {
                floor::redb(path.as_ref())?
            } else if let Some(address) = url.strip_prefix("etcd://") {
                let address = address.split('?').next().unwrap_or(address);
                floor::etcd(address, batch, df_migrations::store::EtcdOptions::default().max_txn_ops)?
            } else {
                floor::redis(url, batch)?
            };
            serde_json::to_string(&FloorRun { floor, peak_rss: df_testkit::machine::peak_rss() })?
        }
        Task::Upgrade => serde_json::to_string(&upgrade(url, batch)?)?,
        Task::Startup => serde_json::to_string(&startup(url, batch)?)?,
    };
    println!("{line}");
    Ok(())
}

fn upgrade(url: &str, batch: usize) -> anyhow::Result<UpgradeRun> {
    let options = df_migrations::store::RedisOptions { batch_size: batch, ..Default::default() };
    let mut store = df_migrations::store::open(url, &options)?;
    let mut engine = Engine::new(store.as_mut(), Build::linked()?);
    let started = Instant::now();
    let report = engine
        .upgrade(&UpgradeOptions::default(), &mut |_| {})
        .with_context(|| format!("upgrading {url}"))?;
    let total = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.committed, "the upgrade of {url} did not commit: {report:?}");
    let phase = |p| report.timings.get(&p).map_or(0.0, std::time::Duration::as_secs_f64);
    Ok(UpgradeRun {
        read: phase(Phase::Read),
        migrate: phase(Phase::Migrate),
        validate: phase(Phase::Validate),
        commit: phase(Phase::Commit),
        total,
        objects: report.objects_read,
        steps: report.steps.len(),
        peak_rss: df_testkit::machine::peak_rss(),
    })
}

/// Seconds of `Migrator::run` on an open store, as an application calls it at every start.
fn startup(url: &str, batch: usize) -> anyhow::Result<f64> {
    let options = df_migrations::store::RedisOptions { batch_size: batch, ..Default::default() };
    let mut store = df_migrations::store::open(url, &options)?;
    let migrator = df_migrations::Migrator::linked()?;
    let started = Instant::now();
    let outcome = migrator.run(store.as_mut()).with_context(|| format!("the start-up call on {url}"))?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(matches!(outcome, df_migrations::Startup::NothingPending), "the start-up call on {url} found work: {outcome:?}");
    Ok(seconds)
}
