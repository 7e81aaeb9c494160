//! The whole flow on a private Redis server and on a three-master Redis Cluster, both in
//! Dragonflow's own key layout: exact upgrade and rollback; a crash at every write of a
//! staged commit, recovered to exactly the old or the new state.

mod common;
mod support;

use df_migrations::store::{RedisClusterStore, RedisOptions, RedisStore};
use redis::Commands;
use support::redis_server::{RedisCluster, RedisServer};

/// Small pipelines, so that a commit spans many of them.
fn options() -> RedisOptions {
    RedisOptions { batch_size: 16, ..RedisOptions::default() }
}

#[test]
fn the_whole_flow_on_a_single_node() {
    let Some(server) = RedisServer::start() else { return };
    common::full_flow(&mut RedisStore::connect(&server.url(), &options()).unwrap());
}

#[test]
fn the_whole_flow_on_a_cluster() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    common::full_flow(&mut RedisClusterStore::connect(&cluster.nodes(), &options()).unwrap());
    for server in cluster.servers() {
        assert!(server.key_count() > 0, "every master holds part of the data");
    }
}

#[test]
fn a_crash_at_any_write_leaves_the_old_or_the_new_state_after_recovery() {
    let Some(server) = RedisServer::start() else { return };
    let fresh = || {
        // The server is this test's own: flushing it touches nothing else.
        server.command::<()>(&redis::cmd("FLUSHDB"));
        RedisStore::connect(&server.url(), &options()).unwrap()
    };
    // A crashed runner's lease expires; deleting it is waiting that long.
    let expire = |_: &mut RedisStore| server.command::<()>(redis::cmd("DEL").arg("{df_schema.}lease"));
    common::crash_at_every_write(fresh, false, expire);
}

#[test]
fn a_crash_at_any_write_on_a_cluster_leaves_the_old_or_the_new_state() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let fresh = || {
        for server in cluster.servers() {
            server.command::<()>(&redis::cmd("FLUSHALL"));
        }
        RedisClusterStore::connect(&cluster.nodes(), &options()).unwrap()
    };
    let expire = |_: &mut RedisClusterStore| {
        for server in cluster.servers() {
            // Only the master owning the lease's slot has it; DEL elsewhere is refused
            // with MOVED, which does not matter here.
            let _ = server.connection().del::<_, ()>("{df_schema.}lease");
        }
    };
    common::crash_at_every_write(fresh, false, expire);
}
