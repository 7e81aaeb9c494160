//! Scenario 1: a crash at every write index of a small upgrade (Dragonflow's fixture),
//! on each store, through the crash driver the engine's own tests use
//! (`df_testkit::crash`): after recovery exactly the old or the new state, after the
//! next upgrade the new one.

use super::db::start_redis;
use super::report::Row;
use anyhow::Context;
use df_testkit::crash::{on_etcd, on_memory, on_redb, on_redis, on_redis_cluster, CrashReport, Writes};
use df_testkit::etcd_server::EtcdServer;
use df_testkit::redis_server::{RedisCluster, RedisServer};

pub fn run() -> Vec<Row> {
    vec![
        row("memory, atomic batches", || Ok(on_memory(Writes::Atomic))),
        row("memory, staged (non-atomic)", || Ok(on_memory(Writes::Staged))),
        row("memory, in place (non-atomic)", || Ok(on_memory(Writes::InPlace))),
        row("redb", || Ok(on_redb())),
        row("Redis, single node (transaction)", || Ok(on_redis(&start_redis(RedisServer::start)?, Writes::PartWay))),
        row("Redis, single node, staged", || Ok(on_redis(&start_redis(RedisServer::start)?, Writes::Staged))),
        row("Redis Cluster, 3 masters", || Ok(on_redis_cluster(&start_redis(|| RedisCluster::start(3))?))),
        row("etcd (one transaction)", || Ok(on_etcd(&start_etcd()?, Writes::PartWay))),
        row("etcd, in place (transactions of 8)", || Ok(on_etcd(&start_etcd()?, Writes::InPlace))),
        row("etcd, staged (transactions of 8)", || Ok(on_etcd(&start_etcd()?, Writes::Staged))),
    ]
}

/// A private etcd member, or an error saying how to get one.
fn start_etcd() -> anyhow::Result<EtcdServer> {
    EtcdServer::start(&[]).context("the fault campaign needs `etcd` on PATH (e.g. `apt-get install etcd-server`)")
}

fn row(store: &str, crash: impl FnOnce() -> anyhow::Result<CrashReport>) -> Row {
    Row::new(format!("crash at every write: {store}")).within(|row| {
        let report = crash()?;
        row.runs = report.tried;
        row.outcomes = match (&report.staged, report.in_place) {
            (None, _) => format!("one-batch commit: {} old / {} new", report.old, report.new),
            (Some(_), false) => format!("staged commit: {} old / {} new ({} rolled forward)", report.old, report.new, report.rolled_forward),
            (Some(_), true) => format!("commit in place: {} old ({} restored from the image) / {} new", report.old, report.restored, report.new),
        };
        row.failures.extend(report.failures.iter().map(ToString::to_string));
        Ok(())
    })
}
