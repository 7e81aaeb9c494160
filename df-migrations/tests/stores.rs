//! Every store meets the contract (`support::contract::check_store`); the Redis stores run
//! against private servers started by `support::redis_server` (skipped, loudly, without
//! `redis-server`, unless `CI` is set).

mod support;

use df_migrations::store::{Fenced, Holder, MemoryStore, Op, RedisClusterStore, RedisOptions, RedisStore, Store, StoreError};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::contract::{check_store, scan_all, OBJECTS};
use support::redis_server::{free_port, RedisCluster, RedisServer};

fn options(batch_size: usize) -> RedisOptions {
    RedisOptions { batch_size, ..RedisOptions::default() }
}

#[test]
fn memory_store_meets_the_contract() {
    assert_eq!(check_store(&mut MemoryStore::new()), Fenced::Written);
}

#[test]
fn redis_store_meets_the_contract() {
    let Some(server) = RedisServer::start() else { return };
    let started = Instant::now();
    // The default batch size: the contract's batches are larger than it.
    let mut store = RedisStore::connect(&server.url(), &RedisOptions::default()).unwrap();
    assert_eq!(store.describe(), server.url());
    assert_eq!(check_store(&mut store), Fenced::Written, "a Redis 7 server runs a batch under the lease as one transaction");
    eprintln!("redis_store_meets_the_contract: {:?}", started.elapsed());
}

#[test]
fn redis_store_works_with_tiny_batches_and_another_database() {
    let Some(server) = RedisServer::start() else { return };
    let url = format!("redis://127.0.0.1:{}/3", server.port());
    let mut store = RedisStore::connect(&url, &options(7)).unwrap();
    assert_eq!(store.describe(), url);
    assert_eq!(check_store(&mut store), Fenced::Written);
    assert_eq!(server.key_count(), 0, "database 0 is untouched");
}

#[test]
fn redis_cluster_store_meets_the_contract_with_data_on_every_node() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let started = Instant::now();
    let nodes = cluster.nodes();
    let mut store = RedisClusterStore::connect(&nodes, &options(100)).unwrap();
    assert_eq!(store.describe(), format!("redis+cluster://{}", nodes.join(",")));
    match check_store(&mut store) {
        Fenced::Declined(reason) => assert!(reason.contains("one hash slot"), "{reason}"),
        other => panic!("a cluster declines a batch under the lease across slots, not {other:?}"),
    }

    let counts: Vec<usize> = cluster.servers().iter().map(df_testkit::redis_server::RedisServer::key_count).collect();
    assert!(counts.iter().all(|&n| n > 0), "every master holds part of the data: {counts:?}");
    let total: usize = counts.iter().sum();
    assert!(total > OBJECTS / 2, "{counts:?}");

    // Through one node, the client finds the others and scan reads every master.
    let mut via_one = RedisClusterStore::connect(&nodes[..1], &options(1000)).unwrap();
    let data = scan_all(&mut via_one);
    assert_eq!(data.len(), total, "scan through {} sees every master's keys", nodes[0]);
    assert_eq!(data, scan_all(&mut store));
    eprintln!("redis_cluster_store_meets_the_contract_with_data_on_every_node: {:?}", started.elapsed());
}

#[test]
fn redis_cluster_store_declines_a_record_outside_the_lease_slot() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let mut store = RedisClusterStore::connect(&cluster.nodes(), &RedisOptions::default()).unwrap();
    let holder = Holder { who: "me".into(), since: "2026-01-01T00:00:00Z".into() };
    assert_eq!(store.acquire_lease("t", &holder, Duration::from_secs(30)).unwrap(), None);
    for key in ["{lport.t1}p1", "df_schema.commit", "{unique_key.}df_schema"] {
        match store.write_if_leased("t", &[Op::Set(key.to_owned(), b"v".to_vec())]) {
            Ok(Fenced::Declined(reason)) => assert!(reason.contains("{df_schema.}"), "{reason}"),
            other => panic!("write_if_leased({key}) gave {other:?}"),
        }
        assert_eq!(store.get_many(&[key.to_owned()]).unwrap(), [None], "{key} was not written");
    }
    // The lease's slot is fine, however the tag is placed.
    assert_eq!(store.write_if_leased("t", &[Op::Set("x{df_schema.}y".to_owned(), b"v".to_vec())]).unwrap(), Fenced::Written);
    store.release_lease("t").unwrap();
}

#[test]
fn redis_store_declines_a_transaction_it_cannot_queue_while_the_lease_surely_lasts() {
    let Some(server) = RedisServer::start() else { return };
    // One key per command: 250,000 commands to queue, some seconds' work, under a lease of
    // one second (which leaves room for getting the commands ready).
    let mut store = RedisStore::connect(&server.url(), &options(1)).unwrap();
    let holder = Holder { who: "me".into(), since: "2026-01-01T00:00:00Z".into() };
    let batch: Vec<Op> = (0..250_000).map(|i| Op::Set(format!("{{t.}}k{i}"), b"v".to_vec())).collect();
    assert_eq!(store.acquire_lease("t", &holder, Duration::from_secs(1)).unwrap(), None);
    match store.write_if_leased("t", &batch).unwrap() {
        Fenced::Declined(reason) => assert!(reason.contains("outlasted half the lease's remaining"), "{reason}"),
        other => panic!("queueing 250,000 commands under a 1 s lease gave {other:?}"),
    }
    assert_eq!(server.key_count(), 1, "only the lease: nothing of the batch was written");
    // The connection is usable afterwards (the transaction was discarded).
    assert_eq!(store.acquire_lease("t", &holder, Duration::from_secs(30)).unwrap(), None);
    assert_eq!(store.write_if_leased("t", &batch[..3]).unwrap(), Fenced::Written);
    assert_eq!(server.key_count(), 4);
}

#[test]
fn redis_store_names_the_command_a_server_refuses_in_a_transaction_and_writes_nothing() {
    let Some(server) = RedisServer::start() else { return };
    let mut store = RedisStore::connect(&server.url(), &options(2)).unwrap();
    let holder = Holder { who: "me".into(), since: "2026-01-01T00:00:00Z".into() };
    assert_eq!(store.acquire_lease("t", &holder, Duration::from_secs(30)).unwrap(), None);
    // A server over its memory limit refuses writes as they are queued.
    server.command::<()>(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg("1"));
    let batch: Vec<Op> = (0..5).map(|i| Op::Set(format!("{{t.}}k{i}"), b"v".to_vec())).collect();
    match store.write_if_leased("t", &batch) {
        Err(StoreError::Key { key, message, .. }) => {
            assert_eq!(key, "{t.}k0", "the first key of the refused command");
            assert!(message.starts_with("command 0 of the transaction was refused, and nothing was applied: \"OOM\""), "{message}");
            assert!(message.ends_with("; remove that cause and run again"), "{message}");
        }
        other => panic!("a transaction over maxmemory gave {other:?}"),
    }
    server.command::<()>(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg("0"));
    assert_eq!(server.key_count(), 1, "only the lease: nothing of the batch was written");
    // The transaction was discarded: the connection writes again.
    assert_eq!(store.write_if_leased("t", &batch).unwrap(), Fenced::Written);
    assert_eq!(server.key_count(), 6);
}

/// A key that GET cannot read (a list): the error names the store and that key, wherever
/// it is read.
fn check_wrong_type_is_named(store: &mut dyn Store, add_list: impl FnOnce(&str)) {
    let list = "{lport.t9}a-list";
    let name = store.describe();
    store.write(&[Op::Set("{lport.t1}ok".into(), b"1".to_vec())]).unwrap();
    add_list(list);
    let errors = [
        store.get_many(&["{lport.t1}ok".to_owned(), list.to_owned()]).unwrap_err(),
        store.scan("", &mut |_, _| {}).unwrap_err(),
    ];
    for error in errors {
        let message = error.to_string();
        assert!(matches!(&error, StoreError::Key { key, .. } if key == list), "{error:?}");
        assert!(message.starts_with(&format!("{name}: key {list}: ")) && message.contains("WRONGTYPE"), "{message}");
    }
}

#[test]
fn redis_errors_name_the_store_and_key() {
    let Some(server) = RedisServer::start() else { return };
    let mut store = RedisStore::connect(&server.url(), &options(10)).unwrap();
    check_wrong_type_is_named(&mut store, |key| {
        let _: () = server.command(redis::cmd("RPUSH").arg(key).arg("x"));
    });
}

#[test]
fn a_cluster_store_refuses_a_server_that_is_not_a_cluster() {
    let Some(server) = RedisServer::start() else { return };
    let error = RedisClusterStore::connect(&[server.address()], &RedisOptions::default()).err().expect("not a cluster");
    let message = error.to_string();
    let expected = format!("redis+cluster://{0}: no usable node: {0}: not a cluster node: ", server.address());
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.contains("cluster support disabled"), "{message}");
}

#[test]
fn redis_cluster_errors_name_the_store_and_key() {
    let Some(cluster) = RedisCluster::start(3) else { return };
    let mut store = RedisClusterStore::connect(&cluster.nodes(), &options(10)).unwrap();
    check_wrong_type_is_named(&mut store, |key| {
        let client = redis::cluster::ClusterClient::new(cluster.nodes().iter().map(|n| format!("redis://{n}"))).unwrap();
        let _: () = redis::cmd("RPUSH").arg(key).arg("x").query(&mut client.get_connection().unwrap()).unwrap();
    });
}

/// Connecting to nothing (a refused port) or to a server that never answers (a listener
/// that never replies) fails within the connection timeout, naming the store.
#[test]
fn unreachable_servers_fail_within_the_connection_timeout() {
    let timeout = Duration::from_secs(1);
    let options = RedisOptions { connection_timeout: timeout, ..RedisOptions::default() };
    let refused = free_port();
    // The kernel accepts connections to the listener; nothing ever replies.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap().port();
    for port in [refused, silent] {
        let url = format!("redis://127.0.0.1:{port}/0");
        let started = Instant::now();
        let error = RedisStore::connect(&url, &options).err().expect("no server");
        let elapsed = started.elapsed();
        assert!(error.to_string().starts_with(&format!("{url}: cannot connect within 1s")), "{error}");
        assert!(elapsed < timeout + Duration::from_secs(1), "{url}: {elapsed:?}: {error}");

        let node = format!("127.0.0.1:{port}");
        let started = Instant::now();
        let error = RedisClusterStore::connect(std::slice::from_ref(&node), &options).err().expect("no cluster");
        let elapsed = started.elapsed();
        let message = error.to_string();
        assert!(message.starts_with(&format!("redis+cluster://{node}: no usable node: {node}: cannot connect within 1s")), "{message}");
        assert!(elapsed < timeout + Duration::from_secs(1), "{node}: {elapsed:?}: {message}");
    }
}

/// A server that stops answering mid-run: the store gives up after one response timeout
/// (not one per pending reply of the pipeline), and reconnects on the next call.
#[test]
fn a_stalled_redis_server_fails_within_the_response_timeout() {
    let Some(server) = RedisServer::start() else { return };
    let options = RedisOptions { response_timeout: Duration::from_millis(300), ..RedisOptions::default() };
    let mut store = RedisStore::connect(&server.url(), &options).unwrap();
    let keys: Vec<String> = (0..1000).map(|i| format!("{{t.}}k{i}")).collect();
    store.write(&keys.iter().map(|k| Op::Set(k.clone(), b"v".to_vec())).collect::<Vec<_>>()).unwrap();

    server.pause();
    let started = Instant::now();
    let error = store.get_many(&keys).unwrap_err();
    let elapsed = started.elapsed();
    server.resume();
    let message = error.to_string();
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}: {message}");
    assert!(message.starts_with(&format!("{}: ", server.url())), "{message}");
    assert!(message.contains("no reply within the response timeout (300ms)"), "{message}");

    assert_eq!(store.get_many(&keys[..2]).unwrap(), [Some(b"v".to_vec()), Some(b"v".to_vec())]);
}

#[test]
fn bad_options_and_urls_are_refused() {
    let error = RedisStore::connect("redis://127.0.0.1:1/0", &options(0)).err().unwrap();
    assert_eq!(error.to_string(), "redis://127.0.0.1:1/0: the batch size must be at least 1");
    let error = RedisStore::connect("http://user:secret@host/0", &RedisOptions::default()).err().unwrap();
    assert!(error.to_string().starts_with("http://***@host/0: not a Redis URL"), "{error}");
    let error = RedisClusterStore::connect(&[], &RedisOptions::default()).err().unwrap();
    assert_eq!(error.to_string(), "redis+cluster://: no cluster node given");
}
