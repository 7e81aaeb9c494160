//! The whole flow on a private etcd member, in Dragonflow's etcd key layout (an object at
//! `/<table>/<id>`, a counter at `/unique_key/<table>`): exact upgrade and rollback; a
//! crash at every write of a commit, in one transaction or staged, recovered to exactly
//! the old or the new state; the lease on an etcd lease; writes by others refused.

mod common;
mod support;

use df_migrations::store::{EtcdOptions, EtcdStore, Fenced, Holder, Namespaced, Op, Store};
use df_testkit::crash::Writes;
use df_testkit::etcd_server::EtcdServer;

fn store(server: &EtcdServer, options: EtcdOptions) -> EtcdStore {
    EtcdStore::connect(&[server.address()], None, options).unwrap()
}

#[test]
fn the_whole_flow_on_etcd() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    common::full_flow(&mut store(&server, EtcdOptions::default()));
}

#[test]
fn the_whole_flow_on_etcd_staged() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    common::full_flow(&mut store(&server, EtcdOptions { max_txn_ops: 8, page: 7, ..EtcdOptions::default() }));
}

/// Dragonflow's etcd driver's keys: the topic only in the JSON, counters as decimals.
#[test]
fn objects_are_kept_in_dragonflows_etcd_layout() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions::default());
    common::seed(&mut store);
    let keys = server.dump();
    let seeded = common::dump(&mut store);
    assert_eq!(keys.len(), seeded.len(), "{:?}", keys.keys());
    assert!(keys.keys().all(|key| key.starts_with('/') && key.matches('/').count() >= 2), "{:?}", keys.keys());
    let port = keys.get("/lport/port-fip").expect("the port, by table and id");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(port).unwrap()["topic"], "admin");
    assert!(keys.keys().any(|key| key.starts_with("/unique_key/")), "{:?}", keys.keys());
    // Read back in the engine's forms, topic and all.
    assert!(seeded.contains_key("{lport.admin}port-fip"), "{:?}", seeded.keys());
}

#[test]
fn a_crash_at_any_write_leaves_the_old_or_the_new_state() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let report = df_testkit::crash::on_etcd(&server, Writes::PartWay);
    common::assert_crash_safe(&report);
    assert_eq!(report.staged, None, "the commit fits one transaction");
    let report = df_testkit::crash::on_etcd(&server, Writes::InPlace);
    common::assert_crash_safe(&report);
    assert!(report.in_place && report.restored > 0, "{report:?}");
    let report = df_testkit::crash::on_etcd(&server, Writes::Staged);
    common::assert_crash_safe(&report);
    assert!(!report.in_place && report.rolled_forward > 0, "{report:?}");
}

/// The store contract, on keys under an application's namespace (which etcd keeps as they
/// are), with small pages and transactions so that every request is split.
#[test]
fn the_store_contract_holds_under_a_namespace() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut etcd = store(&server, EtcdOptions { max_txn_ops: 16, page: 100, ..EtcdOptions::default() });
    let mut store = Namespaced::new(&mut etcd, df_schema::KeyLayout::Application { namespace: "contract:" });
    match support::contract::check_store_keeping_leases_alive(&mut store) {
        Fenced::Declined(reason) => assert!(reason.contains("--max-txn-ops"), "{reason}"),
        other => panic!("a batch larger than a transaction is declined, not {other:?}"),
    }
    assert!(server.dump().keys().all(|key| key.starts_with("contract:")), "{:?}", server.dump().keys().take(5).collect::<Vec<_>>());
}

/// A runner whose etcd lease ended (revoked here, as when its keep-alives stop reaching
/// the cluster) writes nothing more: its transactions compare the lock key, which etcd
/// deleted with the lease. While it lives, its keep-alive thread keeps the lease.
#[test]
fn a_runner_whose_lease_ended_is_fenced_out() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let (mut a, mut b) = (store(&server, EtcdOptions::default()), store(&server, EtcdOptions::default()));
    let holder = |who: &str| Holder { who: who.to_owned(), since: "2026-12-03T00:00:00Z".to_owned() };
    let ttl = std::time::Duration::from_secs(2);
    assert_eq!(a.acquire_lease("token-a", &holder("a"), ttl).unwrap(), None);
    assert_eq!(b.acquire_lease("token-b", &holder("b"), ttl).unwrap(), Some(holder("a")));
    let shown = b.lease().unwrap().expect("held");
    assert_eq!((shown.holder, shown.token.as_deref()), (holder("a"), Some("token-a")));
    assert!(shown.expires_in.is_some_and(|left| left <= ttl), "{:?}", shown.expires_in);
    // Past its TTL, without a renewal by the engine, the keep-alive thread kept it.
    std::thread::sleep(ttl * 2);
    assert_eq!(b.acquire_lease("token-b", &holder("b"), ttl).unwrap(), Some(holder("a")), "the lease of a live runner ended");
    let lock = server.post("/v3/kv/range", &serde_json::json!({ "key": b64("/df_schema/lease") }));
    let id = lock["kvs"][0]["lease"].as_str().unwrap().to_owned();
    server.post("/v3/lease/revoke", &serde_json::json!({ "ID": id }));
    assert_eq!(b.acquire_lease("token-b", &holder("b"), ttl).unwrap(), None);
    let record = |value: &[u8]| [Op::Set("{df_schema.}commit".to_owned(), value.to_vec())];
    assert_eq!(a.write_if_leased("token-a", &record(b"from a")).unwrap(), Fenced::LeaseLost);
    assert!(a.write(&record(b"from a")).unwrap_err().to_string().contains("no longer this runner's"));
    assert!(!a.renew_lease("token-a", ttl).unwrap());
    assert_eq!(b.write_if_leased("token-b", &record(b"from b")).unwrap(), Fenced::Written);
    assert!(!server.dump().values().any(|value| value == b"from a"), "the fenced-out runner wrote");
}

/// A writer during the upgrade: the commit is refused naming its key, and every write it
/// made is kept; an export is refused alike.
#[test]
fn a_writer_during_the_upgrade_makes_it_refuse_and_loses_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions::default());
    common::seed_baselined(&mut store, None);
    let before = server.dump();
    let port = before.get("/lport/port-fip").unwrap().clone();
    let writing = AtomicBool::new(true);
    let (refused, export, last) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut last = Vec::new();
            for n in 0.. {
                let mut object: serde_json::Value = serde_json::from_slice(&port).unwrap();
                object["name"] = format!("renamed {n}").into();
                last = serde_json::to_vec(&object).unwrap();
                server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/lport/port-fip"), "value": b64(&last) }));
                if n > 10 && !writing.load(Ordering::SeqCst) {
                    break;
                }
            }
            last
        });
        while server.dump()["/lport/port-fip"] == port {
            std::thread::yield_now();
        }
        let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
        let export = common::engine(&mut store).export().unwrap_err();
        writing.store(false, Ordering::SeqCst);
        (refused, export, writer.join().unwrap())
    });
    let df_migrations::EngineError::ForeignWrites { keys, .. } = &refused else { panic!("{refused}") };
    assert_eq!(keys, &["/lport/port-fip"], "{refused}");
    assert!(export.to_string().contains("/lport/port-fip"), "{export}");
    let mut expected = before;
    expected.insert("/lport/port-fip".to_owned(), last);
    assert_eq!(server.dump(), expected, "the refused upgrade changed the data or left its image behind");
    assert!(common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap().committed);
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A write by another client after the check for writes by others, before the commit: the
/// commit's transaction compares every key it writes with the revision of the check, so
/// it fails naming the key, with nothing written.
#[test]
fn a_write_after_the_check_fails_the_fenced_commit() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions::default());
    let holder = Holder { who: "a".to_owned(), since: "2026-12-03T00:00:00Z".to_owned() };
    store.write(&[Op::Set("{chassis.}c1".to_owned(), br#"{"id":"c1"}"#.to_vec())]).unwrap();
    assert_eq!(store.acquire_lease("token", &holder, std::time::Duration::from_secs(30)).unwrap(), None);
    assert_eq!(store.watch_writes("").unwrap(), df_migrations::store::Watching::Watched);
    assert!(store.foreign_writes().unwrap().is_empty());
    server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/chassis/c1"), "value": b64(r#"{"id":"c1","by":"them"}"#) }));
    let batch = [Op::Set("{chassis.}c1".to_owned(), br#"{"id":"c1","by":"us"}"#.to_vec()), Op::Set("{df_schema.}state".to_owned(), b"{}".to_vec())];
    let refused = store.write_if_leased("token", &batch).unwrap_err();
    assert!(refused.to_string().contains("/chassis/c1") && refused.to_string().contains("wrote nothing"), "{refused}");
    let after = server.dump();
    assert_eq!(after["/chassis/c1"], br#"{"id":"c1","by":"them"}"#);
    assert!(!after.contains_key("/df_schema/state"));
}

/// Keys that lay next to each other in the read are compared as one span: a key another
/// client created between two of them since the check fails the transaction too, named.
#[test]
fn a_key_created_between_written_keys_since_the_check_stops_the_writes() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions::default());
    let holder = Holder { who: "a".to_owned(), since: "2026-12-03T00:00:00Z".to_owned() };
    let object = |id: &str| format!(r#"{{"id":"{id}"}}"#).into_bytes();
    store.write(&["c0", "c1", "c2"].map(|id| Op::Set(format!("{{chassis.}}{id}"), object(id)))).unwrap();
    store.scan("", &mut |_, _| {}).unwrap();
    assert_eq!(store.acquire_lease("token", &holder, std::time::Duration::from_secs(30)).unwrap(), None);
    assert_eq!(store.watch_writes("").unwrap(), df_migrations::store::Watching::Watched);
    assert!(store.foreign_writes().unwrap().is_empty());
    server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/chassis/c0a"), "value": b64(object("c0a")) }));
    let batch = ["c2", "c0", "c1"].map(|id| Op::Set(format!("{{chassis.}}{id}"), br#"{"id":"x"}"#.to_vec()));
    let refused = store.write_in_place("token", &batch).unwrap_err();
    assert!(refused.to_string().contains("/chassis/c0a") && refused.to_string().contains("wrote nothing"), "{refused}");
    assert_eq!(server.dump()["/chassis/c0"], object("c0"));
}

/// What the check for writes by others tells: a key set, a key deleted and a key created
/// by another client, each by its etcd key; the store's own writes, created or deleted,
/// not at all.
#[test]
fn writes_by_others_are_told_sets_deletes_and_creations_alike() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions { page: 2, ..EtcdOptions::default() });
    let chassis = |id: &str| (format!("{{chassis.}}{id}"), format!(r#"{{"id":"{id}"}}"#).into_bytes());
    let ops: Vec<Op> = ["c0", "c1", "c2", "c3", "ours"].iter().map(|id| chassis(id)).map(|(key, value)| Op::Set(key, value)).collect();
    store.write(&ops).unwrap();
    assert_eq!(store.watch_writes("").unwrap(), df_migrations::store::Watching::Watched);
    // Nothing by others: the counts agree, and the store's own writes do not count.
    store.write(&[Op::Delete("{chassis.}ours".to_owned()), Op::Set(chassis("new-ours").0, chassis("new-ours").1)]).unwrap();
    assert_eq!(store.foreign_writes().unwrap(), Vec::<String>::new());
    assert_eq!(store.watch_writes("").unwrap(), df_migrations::store::Watching::Watched);
    server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/chassis/c1"), "value": b64(r#"{"id":"c1","by":"them"}"#) }));
    server.delete("/chassis/c2");
    server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/chassis/theirs"), "value": b64(r#"{"id":"theirs"}"#) }));
    assert_eq!(store.foreign_writes().unwrap(), ["/chassis/c1", "/chassis/c2", "/chassis/theirs"]);
}

/// Writes in place, transaction by transaction, compare their keys with the revision of
/// the check just as one fenced transaction does: the transaction that holds a key
/// written by another client since is refused, naming it, and writes nothing; those
/// before it stand (the engine undoes them from its image), none after it is sent.
#[test]
fn a_write_after_the_check_stops_the_writes_in_place() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions { max_txn_ops: 2, ..EtcdOptions::default() });
    let holder = Holder { who: "a".to_owned(), since: "2026-12-03T00:00:00Z".to_owned() };
    let object = |id: &str, by: &str| format!(r#"{{"id":"{id}","by":"{by}"}}"#).into_bytes();
    let ids = ["c0", "c1", "c2"];
    store.write(&ids.map(|id| Op::Set(format!("{{chassis.}}{id}"), object(id, "before")))).unwrap();
    assert_eq!(store.acquire_lease("token", &holder, std::time::Duration::from_secs(30)).unwrap(), None);
    assert!(store.writes_in_place());
    assert_eq!(store.watch_writes("").unwrap(), df_migrations::store::Watching::Watched);
    assert!(store.foreign_writes().unwrap().is_empty());
    server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/chassis/c1"), "value": b64(object("c1", "them")) }));
    // One write per transaction: the fence takes the other operation.
    let batch = ids.map(|id| Op::Set(format!("{{chassis.}}{id}"), object(id, "us")));
    let refused = store.write_in_place("token", &batch).unwrap_err();
    assert!(refused.to_string().contains("/chassis/c1") && refused.to_string().contains("wrote nothing"), "{refused}");
    let after = server.dump();
    assert_eq!([&after["/chassis/c0"], &after["/chassis/c1"], &after["/chassis/c2"]], [&object("c0", "us"), &object("c1", "them"), &object("c2", "before")]);
    // Another runner's token writes nothing at all.
    assert_eq!(store.write_in_place("theirs", &batch[..1]).unwrap(), df_migrations::store::Fenced::LeaseLost);
}

/// A backend quota that cannot hold what the upgrade writes: refused before anything is
/// written, saying how to make room.
#[test]
fn a_backend_quota_too_small_for_the_upgrade_is_refused() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut seeded = store(&server, EtcdOptions::default());
    common::seed_baselined(&mut seeded, None);
    let used = seeded.memory().unwrap()[0].used;
    assert!(used > 0);
    let before = server.dump();
    let mut store = store(&server, EtcdOptions { quota_backend_bytes: used + used / 2, ..EtcdOptions::default() });
    let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
    assert!(matches!(refused, df_migrations::EngineError::NoRoom { .. }), "{refused}");
    for part in ["--quota-backend-bytes", "would refuse writes part-way", "etcdctl compact"] {
        assert!(refused.to_string().contains(part), "{part}: {refused}");
    }
    assert_eq!(server.dump(), before, "the refused upgrade wrote");
}

/// A store that kills a cluster member before its `at`-th write call: the member the
/// client was talking to dies mid-upgrade.
struct KillAt<'a> {
    inner: EtcdStore,
    at: usize,
    writes: usize,
    kill: Option<Box<dyn FnOnce() + 'a>>,
}

impl KillAt<'_> {
    fn before_write(&mut self) {
        self.writes += 1;
        if self.writes == self.at {
            if let Some(kill) = self.kill.take() {
                kill();
            }
        }
    }
}

impl Store for KillAt<'_> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<(), df_migrations::store::StoreError> {
        self.inner.scan(prefix, visit)
    }
    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, df_migrations::store::StoreError> {
        self.inner.get_many(keys)
    }
    fn write(&mut self, batch: &[Op]) -> Result<(), df_migrations::store::StoreError> {
        self.before_write();
        self.inner.write(batch)
    }
    fn keep_lease_in(&mut self, namespace: &str) {
        self.inner.keep_lease_in(namespace);
    }
    fn acquire_lease(&mut self, token: &str, holder: &Holder, ttl: std::time::Duration) -> Result<Option<Holder>, df_migrations::store::StoreError> {
        self.inner.acquire_lease(token, holder, ttl)
    }
    fn renew_lease(&mut self, token: &str, ttl: std::time::Duration) -> Result<bool, df_migrations::store::StoreError> {
        self.inner.renew_lease(token, ttl)
    }
    fn release_lease(&mut self, token: &str) -> Result<(), df_migrations::store::StoreError> {
        self.inner.release_lease(token)
    }
    fn lease(&mut self) -> Result<Option<df_migrations::store::LeaseState>, df_migrations::store::StoreError> {
        self.inner.lease()
    }
    fn watch_writes(&mut self, prefix: &str) -> Result<df_migrations::store::Watching, df_migrations::store::StoreError> {
        self.inner.watch_writes(prefix)
    }
    fn foreign_writes(&mut self) -> Result<Vec<String>, df_migrations::store::StoreError> {
        self.inner.foreign_writes()
    }
    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, df_migrations::store::StoreError> {
        self.before_write();
        self.inner.write_if_leased(token, batch)
    }
    fn writes_in_place(&self) -> bool {
        self.inner.writes_in_place()
    }
    /// A write call per 8 writes, as the store's transactions would be, so that a kill
    /// can come between them.
    fn write_in_place(&mut self, token: &str, batch: &[Op]) -> Result<Fenced, df_migrations::store::StoreError> {
        for part in batch.chunks(8) {
            self.before_write();
            match self.inner.write_in_place(token, part)? {
                Fenced::Written => {}
                stopped => return Ok(stopped),
            }
        }
        Ok(Fenced::Written)
    }
}

/// A three-member cluster on loopback, the member the runner talks to killed at several
/// points of an upgrade (transactions of 8, so that it spans many writes, in place): the upgrade completes on
/// the others or fails, and then the database is exactly the old or the new state, and
/// an upgrade through the two members left completes it.
#[test]
fn a_member_killed_mid_upgrade_leaves_the_old_or_the_new_state() {
    use df_testkit::etcd_server::EtcdCluster;
    use df_testkit::states::{classify, Found};
    let small = || EtcdOptions { max_txn_ops: 8, ..EtcdOptions::default() };
    // The reference: the old and the new state, from an upgrade nobody interrupts.
    let Some(mut reference) = EtcdCluster::start(3) else { return };
    let mut store = EtcdStore::connect(&reference.addresses(), None, small()).unwrap();
    common::seed_baselined(&mut store, Some(common::APPLIED_AT));
    let old = common::dump(&mut store);
    let mut counting = KillAt { inner: store, at: usize::MAX, writes: 0, kill: None };
    common::engine(&mut counting).upgrade(&common::options(), &mut |_| {}).unwrap();
    let new = common::dump(&mut counting.inner);
    let total = counting.writes;
    drop(counting);
    reference.members()[0].kill();

    let mut outcomes = Vec::new();
    for at in [2, total / 2, total - 1] {
        let mut cluster = EtcdCluster::start(3).unwrap();
        let addresses = cluster.addresses();
        let mut store = EtcdStore::connect(&addresses, None, small()).unwrap();
        common::seed_baselined(&mut store, Some(common::APPLIED_AT));
        let (first, _) = cluster.members().split_first_mut().unwrap();
        let mut killing = KillAt { inner: store, at, writes: 0, kill: Some(Box::new(move || first.kill())) };
        let upgraded = common::engine(&mut killing).upgrade(&common::options(), &mut |_| {});
        drop(killing);
        // The runner is gone with its member; the next one waits out its etcd lease.
        let mut next = EtcdStore::connect(&addresses, None, small()).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        let recovered = loop {
            match common::engine(&mut next).recover() {
                Err(df_migrations::EngineError::Locked { .. }) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(500)),
                other => break other,
            }
        };
        recovered.unwrap_or_else(|e| panic!("killed before write {at}: recover: {e}"));
        let found = classify(&common::dump(&mut next), &old, &new);
        assert!(matches!(found, Found::Old | Found::New), "killed before write {at} ({upgraded:?}): {found:?}");
        common::engine(&mut next).upgrade(&common::options(), &mut |_| {}).unwrap();
        assert_eq!(classify(&common::dump(&mut next), &old, &new), Found::New, "killed before write {at}: the next upgrade did not complete");
        outcomes.push((at, found, upgraded.is_ok()));
    }
    eprintln!("outcomes (write, state after recovery, whether the upgrade itself succeeded): {outcomes:?}");
}

/// An object key attached to an etcd lease ends with it, and an upgrade would put it back
/// without: refused, naming it, before anything is written.
#[test]
fn a_key_on_a_lease_is_refused_naming_it() {
    let Some(server) = EtcdServer::start(&[]) else { return };
    let mut store = store(&server, EtcdOptions::default());
    common::seed_baselined(&mut store, None);
    let lease = server.post("/v3/lease/grant", &serde_json::json!({ "TTL": "3600" }));
    let port = server.dump()["/lport/port-fip"].clone();
    server.post("/v3/kv/put", &serde_json::json!({ "key": b64("/lport/port-fip"), "value": b64(&port), "lease": lease["ID"] }));
    let before = server.dump();
    let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
    let df_migrations::EngineError::Expiring { key, left_ms, .. } = &refused else { panic!("{refused}") };
    assert_eq!(key, "/lport/port-fip");
    assert!((3_500_000..=3_600_000).contains(left_ms), "{refused}");
    assert_eq!(server.dump(), before, "the refused upgrade wrote");
    // Past 256 leases, the keys are scanned instead of each lease asked: the same answer.
    for _ in 0..256 {
        server.post("/v3/lease/grant", &serde_json::json!({ "TTL": "3600" }));
    }
    let refused = common::engine(&mut store).upgrade(&common::options(), &mut |_| {}).unwrap_err();
    let df_migrations::EngineError::Expiring { key, left_ms, .. } = &refused else { panic!("{refused}") };
    assert_eq!(key, "/lport/port-fip");
    assert!((3_500_000..=3_600_000).contains(left_ms), "{refused}");
}
