//! The crash driver on each store the engine supports, each set up once (a fresh store
//! per crash, the dead runner's lease forgotten as its expiry would), for the engine's
//! tests and the campaign alike.

use super::{crash_at_every_write, CrashReport, Writes};
use crate::etcd_server::EtcdServer;
use crate::redis_server::{RedisCluster, RedisServer};
use df_migrations::store::{EtcdOptions, EtcdStore, MemoryStore, RedbStore, RedisClusterStore, RedisOptions, RedisStore};
use df_migrations::records::lease_key;
use redis::Commands;

/// Small pipelines, so that a Redis commit spans many of them and a crash can stop it
/// between any two.
fn small_pipelines() -> RedisOptions {
    RedisOptions { batch_size: 16, ..RedisOptions::default() }
}

/// The in-memory store, its writes as `writes` says (`Staged` makes it stop part-way like
/// a pipeline and decline batches under the lease, so that the engine stages its commit).
pub fn on_memory(writes: Writes) -> CrashReport {
    crash_at_every_write(MemoryStore::new, writes, |store| store.release_all_leases())
}

/// The embedded redb store, one file per crash.
pub fn on_redb() -> CrashReport {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = 0;
    let fresh = || {
        files += 1;
        RedbStore::create(&dir.path().join(format!("nb-{files}.redb"))).expect("a new redb file opens")
    };
    // The file lock dies with its owner; here the crashed runner's store is dropped.
    crash_at_every_write(fresh, Writes::Atomic, |_| {})
}

/// A single Redis server, flushed before each crash (it must be the caller's own). Its
/// commits are one transaction (`Writes::PartWay`), or staged (`Writes::Staged`), as when
/// it declines a transaction.
pub fn on_redis(server: &RedisServer, writes: Writes) -> CrashReport {
    let fresh = || {
        server.command::<()>(&redis::cmd("FLUSHDB"));
        RedisStore::connect(&server.url(), &small_pipelines()).expect("the server answers")
    };
    // A crashed runner's lease expires; deleting it is waiting that long.
    let expire = |_: &mut RedisStore| server.command::<()>(redis::cmd("DEL").arg(lease_key()));
    crash_at_every_write(fresh, writes, expire)
}

/// A Redis Cluster, flushed before each crash (it must be the caller's own).
pub fn on_redis_cluster(cluster: &RedisCluster) -> CrashReport {
    let fresh = || {
        for server in cluster.servers() {
            server.command::<()>(&redis::cmd("FLUSHALL"));
        }
        RedisClusterStore::connect(&cluster.nodes(), &small_pipelines()).expect("the cluster answers")
    };
    let expire = |_: &mut RedisClusterStore| {
        for server in cluster.servers() {
            // Only the master owning the lease's slot has it; DEL elsewhere is refused
            // with MOVED, which does not matter here.
            let _ = server.connection().del::<_, ()>(lease_key());
        }
    };
    crash_at_every_write(fresh, Writes::PartWay, expire)
}

/// A private etcd member, cleared before each crash (it must be the caller's own). With
/// `Writes::InPlace` (etcd's own way) or `Writes::Staged` (as a Redis Cluster commits),
/// transactions of at most 8 operations, so that the commit does not fit one; otherwise
/// the server's default of 128, which holds the whole commit.
pub fn on_etcd(server: &EtcdServer, writes: Writes) -> CrashReport {
    let max_txn_ops = if writes == Writes::PartWay { EtcdOptions::default().max_txn_ops } else { 8 };
    let fresh = || {
        server.clear();
        EtcdStore::connect(&[server.address()], None, EtcdOptions { max_txn_ops, ..EtcdOptions::default() }).expect("the member answers")
    };
    // A crashed runner's etcd lease expires, and its lock key (the engine's lease key
    // `{df_schema.}lease` in Dragonflow's etcd layout) with it; deleting the key is
    // waiting that long.
    let expire = |_: &mut EtcdStore| server.delete("/df_schema/lease");
    crash_at_every_write(fresh, writes, expire)
}
