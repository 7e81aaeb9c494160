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

/// `store` holding Dragonflow's 2.0 database, baselined.
fn baselined<S: df_migrations::store::Store>(mut store: S) -> S {
    common::seed_baselined(&mut store, None);
    store
}

/// A baselined store on `server`.
fn baselined_server(server: &RedisServer) -> RedisStore {
    baselined(RedisStore::connect(&server.url(), &options()).unwrap())
}

/// A server left writing during an upgrade: the commit is refused, naming the key it
/// wrote, and every write it made is still there (nothing committed over it); once it
/// stops, the upgrade goes through. An export is refused alike. The watch puts Redis's
/// notification setting back.
#[test]
fn a_writer_during_the_upgrade_makes_it_refuse_and_loses_nothing() {
    let Some(server) = RedisServer::start() else { return };
    a_writer_is_refused(&mut baselined_server(&server), std::slice::from_ref(&server));
}

/// The same on a cluster, whose notifications are each master's own: the writer writes
/// to one master, which the watch hears from.
#[test]
fn a_writer_on_a_cluster_makes_the_upgrade_refuse_and_loses_nothing() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    a_writer_is_refused(&mut baselined(RedisClusterStore::connect(&cluster.nodes(), &options()).unwrap()), cluster.servers());
}

/// The server of `servers` that holds `key` (the others of a cluster redirect).
fn holder<'a>(servers: &'a [RedisServer], key: &str) -> &'a RedisServer {
    servers.iter().find(|server| redis::cmd("EXISTS").arg(key).query::<bool>(&mut server.connection()).unwrap_or(false)).unwrap()
}

/// Stops a writer when dropped, so that a failed check ends the test instead of leaving
/// the writer running and its scope waiting for it.
struct Stop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs a writer of one port, on the server of `servers` that holds it, during an
/// upgrade, an export and a verify of `store`, and checks what each says and keeps.
fn a_writer_is_refused(store: &mut dyn df_migrations::store::Store, servers: &[RedisServer]) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let before = common::dump(store);
    let (port, value) = before.iter().find(|(key, _)| key.starts_with("{lport.")).map(|(k, v)| (k.clone(), v.clone())).unwrap();
    let server = holder(servers, &port);

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
        let stop = Stop(&writing);
        while server.command::<Vec<u8>>(redis::cmd("GET").arg(&port)) == value {
            std::thread::yield_now();
        }
        let refused = common::engine(store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
        // An export taken meanwhile would mix states.
        let export = common::engine(store).export().unwrap_err();
        assert!(export.to_string().contains("while the export read the data") && export.to_string().contains(&port), "{export}");
        let problems = common::engine(store).verify(&mut |_| {}).unwrap();
        assert!(problems.iter().any(|p| p.code == "foreign_writes" && p.message.contains("while verify read the data")), "{problems:?}");
        drop(stop);
        (refused, writer.join().unwrap())
    });
    let df_migrations::EngineError::ForeignWrites { keys, count, .. } = &refused else { panic!("{refused}") };
    assert_eq!((keys.as_slice(), *count), (std::slice::from_ref(&port), 1), "{refused}");
    assert!(refused.to_string().contains("Stop every writer"), "{refused}");
    let mut expected = before.clone();
    expected.insert(port.clone(), last);
    assert_eq!(common::dump(store), expected, "the refused upgrade changed the data or left its image behind");
    for server in servers {
        let setting: Vec<String> = server.command(redis::cmd("CONFIG").arg("GET").arg("notify-keyspace-events"));
        assert_eq!(setting[1], "", "the notification setting of {} was not put back", server.address());
    }

    let report = common::engine(store).upgrade(&common::options(), &mut |_| {}).unwrap();
    assert!(report.committed);
}

/// A cluster master too small for its part of the upgrade is refused before anything is
/// written, naming that master, though the others have room.
#[test]
fn a_cluster_master_short_of_memory_is_refused_naming_it() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let mut store = baselined(RedisClusterStore::connect(&cluster.nodes(), &options()).unwrap());
    let before = common::dump(&mut store);
    let small = &cluster.servers()[1];
    let info: String = small.command(redis::cmd("INFO").arg("memory"));
    let used: u64 = info.lines().find_map(|line| line.strip_prefix("used_memory:")).unwrap().trim().parse().unwrap();
    small.command::<()>(redis::cmd("CONFIG").arg("SET").arg("maxmemory-policy").arg("allkeys-lru"));
    small.command::<()>(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(used + used / 2));
    let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
    let df_migrations::EngineError::NoRoom { node, .. } = &refused else { panic!("{refused}") };
    assert_eq!(&**node, small.address(), "{refused}");
    assert!(refused.to_string().contains(&format!("CONFIG SET maxmemory on {}", small.address())), "{refused}");
    small.command::<()>(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(0));
    assert_eq!(common::dump(&mut store), before, "the refused upgrade wrote");
    assert!(common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap().committed);
}

/// An expiring key on a cluster master is found there too.
#[test]
fn a_key_with_a_time_to_live_on_a_cluster_is_refused_naming_it() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let mut store = baselined(RedisClusterStore::connect(&cluster.nodes(), &options()).unwrap());
    let port = common::dump(&mut store).into_keys().find(|key| key.starts_with("{lport.")).unwrap();
    let server = holder(cluster.servers(), &port);
    server.command::<()>(redis::cmd("EXPIRE").arg(&port).arg(3600));
    let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
    assert!(matches!(&refused, df_migrations::EngineError::Expiring { key, .. } if key == &port), "{refused}");
}

/// An object key with a time to live is refused before anything is written, naming it:
/// the upgrade would drop its expiry, and a rollback could not bring it back.
#[test]
fn a_key_with_a_time_to_live_is_refused_naming_it() {
    let Some(server) = RedisServer::start() else { return };
    let mut store = baselined_server(&server);
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

/// Rolling a large interrupted commit forward renames every key of it, and the
/// notifications of those renames would overflow a small subscriber buffer: the server
/// drops the watch. The watch starts over after the recovery, so the upgrade goes on.
#[test]
fn a_large_recovery_does_not_overflow_the_watch() {
    use df_migrations::store::{MemoryStore, Op, Store};
    use df_testkit::crash::CrashingStore;
    fn baselined<S: Store>(mut store: S, data: &[Op]) -> S {
        store.write(data).unwrap();
        common::engine(&mut store).baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(100).unwrap(), None, false).unwrap();
        store
    }
    let Some(server) = RedisServer::start() else { return };
    let data: Vec<Op> = dragonflow_fixtures::generate(20_000, 7).into_iter().map(|(key, value)| Op::Set(key, value)).collect();
    // An upgrade to 4.0, so that 5.0's steps are still to do after the recovery. How many
    // writes it makes, staged, counted on a copy in memory.
    let to_4 = df_migrations::UpgradeOptions { to_release: Some("4.0".to_owned()), ..common::options() };
    let mut counting = CrashingStore::new(baselined(MemoryStore::new(), &data), usize::MAX, Writes::Staged);
    assert!(common::engine(&mut counting).upgrade(&to_4, &mut |_| {}).unwrap().staged.is_some());
    // A crash early in the roll-forward (after the staging keys and the commit record, about
    // half the writes), so that the recovery renames most keys.
    let staged = RedisOptions { transactions: false, ..options() };
    let mut crashing = CrashingStore::new(baselined(RedisStore::connect(&server.url(), &staged).unwrap(), &data), counting.writes * 3 / 5, Writes::Staged);
    common::engine(&mut crashing).upgrade(&to_4, &mut |_| {}).unwrap_err();
    let mut store = crashing.inner;
    server.command::<()>(redis::cmd("DEL").arg("{df_schema.}lease"));

    server.command::<()>(redis::cmd("CONFIG").arg("SET").arg("client-output-buffer-limit").arg("pubsub 64kb 32kb 60"));
    let report = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap();
    assert_eq!(report.recovered, Some(df_migrations::Recovery::RolledForward), "{report:?}");
    assert!(report.committed, "{report:?}");
    let problems = common::engine(&mut store).verify(&mut |_| {}).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

/// A live host heartbeating during the upgrade writes no data: its record is bookkeeping,
/// not a write by others, so the upgrade commits, and the record is still there after.
#[test]
fn a_heartbeat_during_the_upgrade_is_not_a_write_by_others() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let Some(server) = RedisServer::start() else { return };
    let mut store = baselined_server(&server);
    let key = df_migrations::fleet::host_key("publisher-1").encode();
    let record = |n: u32| serde_json::json!({"host": "publisher-1", "models": {"Publisher": 1}, "heartbeat_at": format!("2026-12-04T00:00:{:02}Z", n % 60), "expires_at": "2999-01-01T00:00:00Z"}).to_string();
    let beating = AtomicBool::new(true);
    let report = std::thread::scope(|scope| {
        let heart = scope.spawn(|| {
            let mut connection = server.connection();
            for n in 0.. {
                redis::cmd("SET").arg(&key).arg(record(n)).query::<()>(&mut connection).unwrap();
                if n > 10 && !beating.load(Ordering::SeqCst) {
                    break;
                }
            }
        });
        while server.command::<Option<String>>(redis::cmd("GET").arg(&key)).is_none() {
            std::thread::yield_now();
        }
        let report = common::engine(&mut store).upgrade(&common::options(), &mut |_| {});
        beating.store(false, Ordering::SeqCst);
        heart.join().unwrap();
        report
    });
    assert!(report.unwrap().committed);
    let hosts = common::engine(&mut store).live_hosts().unwrap();
    assert_eq!(hosts.iter().map(|h| h.host.as_str()).collect::<Vec<_>>(), ["publisher-1"]);
}
