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

/// A store on `server` holding Dragonflow's 2.0 database, baselined.
fn baselined(server: &RedisServer) -> RedisStore {
    let mut store = RedisStore::connect(&server.url(), &options()).unwrap();
    common::seed(&mut store);
    common::engine(&mut store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), None, false).unwrap();
    store
}

/// A server left writing during an upgrade: the commit is refused, naming the key it
/// wrote, and every write it made is still there (nothing committed over it); once it
/// stops, the upgrade goes through. An export is refused alike. The watch puts Redis's
/// notification setting back.
#[test]
fn a_writer_during_the_upgrade_makes_it_refuse_and_loses_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let Some(server) = RedisServer::start() else { return };
    let mut store = baselined(&server);
    let before = common::dump(&mut store);
    let (port, value) = before.iter().find(|(key, _)| key.starts_with("{lport.")).map(|(k, v)| (k.clone(), v.clone())).unwrap();

    let writing = AtomicBool::new(true);
    let (refused, last) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut connection = server.connection();
            let mut last = Vec::new();
            for n in 0.. {
                let mut object: serde_json::Value = serde_json::from_slice(&value).unwrap();
                object["name"] = format!("renamed {n}").into();
                last = serde_json::to_vec(&object).unwrap();
                redis::cmd("SET").arg(&port).arg(&last).query::<()>(&mut connection).unwrap();
                if n > 10 && !writing.load(Ordering::SeqCst) {
                    break;
                }
            }
            last
        });
        // Writes go on during the whole upgrade.
        while server.command::<Vec<u8>>(redis::cmd("GET").arg(&port)) == value {
            std::thread::yield_now();
        }
        let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
        // An export taken meanwhile would mix states.
        let export = common::engine(&mut store).export().unwrap_err();
        assert!(export.to_string().contains("while the export read the data") && export.to_string().contains(&port), "{export}");
        let problems = common::engine(&mut store).verify(&mut |_| {}).unwrap();
        assert!(problems.iter().any(|p| p.code == "foreign_writes" && p.message.contains("while verify read the data")), "{problems:?}");
        writing.store(false, Ordering::SeqCst);
        (refused, writer.join().unwrap())
    });
    let df_migrations::EngineError::ForeignWrites { keys, count, .. } = &refused else { panic!("{refused}") };
    assert_eq!((keys.as_slice(), *count), (std::slice::from_ref(&port), 1), "{refused}");
    assert!(refused.to_string().contains("Stop every writer"), "{refused}");
    let mut expected = before.clone();
    expected.insert(port.clone(), last);
    assert_eq!(common::dump(&mut store), expected, "the refused upgrade changed the data or left its image behind");
    let setting: Vec<String> = server.command(redis::cmd("CONFIG").arg("GET").arg("notify-keyspace-events"));
    assert_eq!(setting[1], "", "the notification setting was not put back");

    let report = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap();
    assert!(report.committed);
}

/// An object key with a time to live is refused before anything is written, naming it:
/// the upgrade would drop its expiry, and a rollback could not bring it back.
#[test]
fn a_key_with_a_time_to_live_is_refused_naming_it() {
    let Some(server) = RedisServer::start() else { return };
    let mut store = baselined(&server);
    // Keys of other software with expiries are not the upgrade's business.
    server.command::<()>(redis::cmd("SET").arg("session:1").arg("x").arg("EX").arg(3600));
    let before = common::dump(&mut store);
    let port = before.keys().find(|key| key.starts_with("{lport.")).unwrap().clone();
    server.command::<()>(redis::cmd("EXPIRE").arg(&port).arg(3600));
    let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
    let df_migrations::EngineError::Expiring { key, left_ms, .. } = &refused else { panic!("{refused}") };
    assert_eq!(key, &port);
    assert!((3_500_000..=3_600_000).contains(left_ms), "{refused}");
    assert!(refused.to_string().contains(&format!("PERSIST {port}")), "{refused}");
    assert_eq!(common::dump(&mut store), before, "the refused upgrade wrote");
    server.command::<()>(redis::cmd("PERSIST").arg(&port));
    assert!(common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap().committed);
}
