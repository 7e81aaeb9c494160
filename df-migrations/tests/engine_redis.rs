//! The whole flow on a private Redis server and on a three-master Redis Cluster, both in
//! Dragonflow's own key layout: exact upgrade and rollback; a crash at every write of a
//! commit (one transaction, or staged), recovered to exactly the old or the new state.

mod common;
mod support;

use df_migrations::store::{RedisClusterStore, RedisOptions, RedisStore};
use df_testkit::crash::Writes;
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
    let report = df_testkit::crash::on_redis(&server, Writes::PartWay);
    common::assert_crash_safe(&report);
    assert_eq!(report.staged, None, "a Redis 7 server commits in one transaction");
    let report = df_testkit::crash::on_redis(&server, Writes::Staged);
    common::assert_crash_safe(&report);
    assert!(report.rolled_forward > 0, "{report:?}");
}

#[test]
fn a_crash_at_any_write_on_a_cluster_leaves_the_old_or_the_new_state() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let report = df_testkit::crash::on_redis_cluster(&cluster);
    common::assert_crash_safe(&report);
    assert!(report.staged.as_deref().is_some_and(|why| why.contains("one hash slot")), "{report:?}");
}
