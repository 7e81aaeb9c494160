//! A database shared with other software: keys outside the key layout's namespace (here
//! Dragonflow's, which owns the keys that start with `{`) are never read, written, imaged,
//! deleted, counted or exported. Another application's strings, hashes, lists, sets and
//! keys with a TTL stay byte-identical, with their type and TTL, through baseline,
//! upgrade, rollback, export and import, on Redis, Redis Cluster, redb and memory.

mod common;
mod support;

use df_migrations::EngineError;
use df_migrations::store::{MemoryStore, Op, RedbStore, RedisClusterStore, RedisOptions, RedisStore, Store};
use support::redis_server::{RedisCluster, RedisServer};

/// The other application's plain string keys, with their values.
const FOREIGN: [(&str, &[u8]); 3] = [("session:42", b"{\"user\":\"ann\"}"), ("counter", b"7"), ("lport:p1", b"not ours")];

/// Baseline, upgrade, rollback (the whole flow, checked exactly), then an export
/// imported over the database: the flow the foreign keys must survive.
fn flow_with_export_and_import(store: &mut dyn Store) {
    common::full_flow(store);
    let objects = common::objects(store);
    let exported = common::engine(store).dump().unwrap();
    assert!(exported.iter().all(|(key, _)| key.starts_with('{')), "the export holds only df-schema's keys");
    let ops: Vec<Op> = exported.into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    // Only df-schema's keys count as the database's.
    match common::engine(store).import(ops.clone(), false) {
        Err(EngineError::NotEmpty { keys, .. }) => assert_eq!(keys, ops.len()),
        other => panic!("an import over a database that holds keys: {other:?}"),
    }
    assert_eq!(common::engine(store).import(ops.clone(), true).unwrap(), ops.len());
    assert_eq!(common::objects(store), objects);
}

#[test]
fn foreign_keys_survive_on_memory_and_redb() {
    let memory = MemoryStore::new();
    let dir = tempfile::tempdir().unwrap();
    let mut redb = RedbStore::create(&dir.path().join("shared.redb")).unwrap();
    for store in [&mut memory.clone() as &mut dyn Store, &mut redb] {
        store.write(&FOREIGN.map(|(k, v)| Op::Set(k.to_owned(), v.to_vec()))).unwrap();
        flow_with_export_and_import(store);
        let keys: Vec<String> = FOREIGN.iter().map(|(k, _)| (*k).to_owned()).collect();
        let values: Vec<Option<Vec<u8>>> = FOREIGN.iter().map(|(_, v)| Some(v.to_vec())).collect();
        assert_eq!(store.get_many(&keys).unwrap(), values, "{}", store.describe());
    }
}

/// Every foreign key of a Redis node: its type, its `DUMP` (the exact serialized value)
/// and whether it has a TTL.
fn foreign_state(connection: &mut redis::Connection) -> Vec<(String, String, Vec<u8>, bool)> {
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(connection).unwrap();
    keys.retain(|key| !key.starts_with('{'));
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let kind: String = redis::cmd("TYPE").arg(&key).query(connection).unwrap();
            let dump: Vec<u8> = redis::cmd("DUMP").arg(&key).query(connection).unwrap();
            let ttl: i64 = redis::cmd("PTTL").arg(&key).query(connection).unwrap();
            (key, kind, dump, ttl > 0)
        })
        .collect()
}

/// Writes another application's keys of every type, one with a TTL.
fn seed_foreign(connection: &mut redis::Connection) {
    for (key, value) in FOREIGN {
        redis::cmd("SET").arg(key).arg(value).query::<()>(connection).unwrap();
    }
    redis::cmd("HSET").arg("user:1").arg("name").arg("ann").arg("role").arg("admin").query::<()>(connection).unwrap();
    redis::cmd("RPUSH").arg("queue:jobs").arg("a").arg("b").query::<()>(connection).unwrap();
    redis::cmd("SADD").arg("tags").arg("x").arg("y").query::<()>(connection).unwrap();
    redis::cmd("ZADD").arg("scores").arg(1).arg("ann").query::<()>(connection).unwrap();
    redis::cmd("SET").arg("cache:tmp").arg("v").arg("EX").arg(3600).query::<()>(connection).unwrap();
}

#[test]
fn foreign_keys_of_every_type_survive_on_redis() {
    let Some(server) = RedisServer::start() else { return };
    let mut connection = server.connection();
    seed_foreign(&mut connection);
    let before = foreign_state(&mut connection);
    assert_eq!(before.len(), FOREIGN.len() + 5);
    flow_with_export_and_import(&mut RedisStore::connect(&server.url(), &RedisOptions::default()).unwrap());
    assert_eq!(foreign_state(&mut connection), before);
}

#[test]
fn foreign_keys_of_every_type_survive_on_a_cluster() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let mut connections: Vec<redis::Connection> = cluster.servers().iter().map(df_testkit::redis_server::RedisServer::connection).collect();
    let client = redis::cluster::ClusterClient::new(cluster.nodes().iter().map(|node| format!("redis://{node}")).collect::<Vec<_>>()).unwrap();
    let mut cluster_connection = client.get_connection().unwrap();
    for (key, value) in FOREIGN {
        redis::cmd("SET").arg(key).arg(value).query::<()>(&mut cluster_connection).unwrap();
    }
    redis::cmd("HSET").arg("user:1").arg("name").arg("ann").query::<()>(&mut cluster_connection).unwrap();
    redis::cmd("RPUSH").arg("queue:jobs").arg("a").query::<()>(&mut cluster_connection).unwrap();
    redis::cmd("SET").arg("cache:tmp").arg("v").arg("EX").arg(3600).query::<()>(&mut cluster_connection).unwrap();
    let before: Vec<_> = connections.iter_mut().map(foreign_state).collect();
    assert_eq!(before.iter().map(Vec::len).sum::<usize>(), FOREIGN.len() + 3);
    flow_with_export_and_import(&mut RedisClusterStore::connect(&cluster.nodes(), &RedisOptions::default()).unwrap());
    let after: Vec<_> = connections.iter_mut().map(foreign_state).collect();
    assert_eq!(after, before);
}
