//! The contract every store meets, as one function run against each store.

use df_migrations::store::{Fenced, Holder, Op, Store};
use std::collections::BTreeMap;
use std::time::Duration;

/// The data, by key.
pub type Data = BTreeMap<Vec<u8>, Vec<u8>>;

/// Objects in the dataset: more than a Redis store's default batch size (1000).
pub const OBJECTS: usize = 2500;

/// The first dataset: objects over many hash tags (so that on a cluster several nodes
/// hold data), a counter, a staging key and an image chunk, and values that are not text.
pub fn dataset() -> Data {
    let mut data = Data::new();
    for i in 0..OBJECTS {
        let key = format!("{{table{}.topic{}}}id-{i}", i % 40, i % 3);
        data.insert(key.into_bytes(), format!("{{\"id\":\"id-{i}\",\"n\":{i}}}").into_bytes());
    }
    let extra: [(&str, Vec<u8>); 7] = [
        ("{unique_key.}lport", b"42".to_vec()),
        ("{lport.t1}~df-stage~p1", b"{\"id\":\"p1\",\"v\":2}".to_vec()),
        ("{df_schema.0}~df-image~c0ffee", b"df-image 1\n\x01\x00\x00\x00k\x01\x00\x00\x00v".to_vec()),
        ("{bin.}nul-cr-lf-high", vec![0, 255, b'\r', b'\n', 0, b'x', 0x80]),
        ("{bin.}all-bytes", (0..=255u8).collect()),
        ("{bin.}empty", Vec::new()),
        ("{lport.t\u{e9}nant}p\u{fc}rt \"quoted\"", "caf\u{e9} \u{1f980}".as_bytes().to_vec()),
    ];
    for (key, value) in extra {
        data.insert(key.as_bytes().to_vec(), value);
    }
    data
}

/// Everything `scan` visits, checking that no key is visited twice.
pub fn scan_all(store: &mut dyn Store) -> Data {
    scan_prefix(store, "")
}

/// Everything `scan(prefix)` visits, checking that no key is visited twice.
fn scan_prefix(store: &mut dyn Store, prefix: &str) -> Data {
    let mut data = Data::new();
    let mut repeated = Vec::new();
    store
        .scan(prefix, &mut |key, value| {
            if data.insert(key.to_vec(), value).is_some() {
                repeated.push(String::from_utf8_lossy(key).into_owned());
            }
        })
        .unwrap_or_else(|e| panic!("scan: {e}"));
    assert!(repeated.is_empty(), "{}: scan visited keys more than once: {repeated:?}", store.describe());
    data
}

fn text(key: &[u8]) -> String {
    String::from_utf8(key.to_vec()).expect("the dataset's keys are UTF-8")
}

fn assert_same(store: &mut dyn Store, expected: &Data, when: &str) {
    let name = store.describe();
    let found = scan_all(store);
    if &found != expected {
        let missing: Vec<String> = expected.keys().filter(|k| !found.contains_key(*k)).take(5).map(|k| text(k)).collect();
        let extra: Vec<String> = found.keys().filter(|k| !expected.contains_key(*k)).take(5).map(|k| text(k)).collect();
        let changed: Vec<String> =
            found.iter().filter(|(k, v)| expected.get(*k).is_some_and(|e| e != *v)).take(5).map(|(k, _)| text(k)).collect();
        panic!(
            "{name}, {when}: scan found {} keys, expected {}; missing {missing:?}, unexpected {extra:?}, other values {changed:?}",
            found.len(),
            expected.len()
        );
    }
}

/// What `batch` does to `data`, as the contract says a store applies it.
fn apply(data: &mut Data, batch: &[Op]) {
    for op in batch {
        match op {
            Op::Set(key, value) => data.insert(key.as_bytes().to_vec(), value.clone()),
            Op::Delete(key) => data.remove(key.as_bytes()),
            Op::Rename { from, to } => {
                let value = data.remove(from.as_bytes()).expect("the contract renames present keys");
                data.insert(to.as_bytes().to_vec(), value)
            }
        };
    }
}

/// Runs every [`Store`] method against `store`, which must start empty, and leaves the
/// final dataset in it (every key of [`dataset`] but a few, changed as the test says, and
/// `{df_schema.}commit`). The lease is released at the end. Returns what the store did
/// with a mixed batch under the lease (written, or declined and nothing written).
pub fn check_store(store: &mut dyn Store) -> Fenced {
    check_store_leases(store, true)
}

/// [`check_store`] for a store whose handle keeps its lease alive while it is open (etcd's
/// keep-alive thread), so that a lease it holds does not expire: its expiry is the
/// store's own test, with a lease ended from outside.
pub fn check_store_keeping_leases_alive(store: &mut dyn Store) -> Fenced {
    check_store_leases(store, false)
}

fn check_store_leases(store: &mut dyn Store, expire: bool) -> Fenced {
    let name = store.describe();
    assert!(scan_all(store).is_empty(), "{name}: the store must start empty");

    // A write larger than any batch size; scan sees exactly what was written.
    let mut expected = dataset();
    let sets: Vec<Op> = expected.iter().map(|(k, v)| Op::Set(text(k), v.clone())).collect();
    store.write(&sets).unwrap_or_else(|e| panic!("write: {e}"));
    assert_same(store, &expected, "after the first write");
    store.write(&[]).unwrap_or_else(|e| panic!("an empty write: {e}"));

    // get_many: order kept, absent keys None, repeats answered, more keys than a batch.
    let mut keys: Vec<String> = expected.keys().map(|k| text(k)).collect();
    keys.insert(0, "{absent.}first".to_owned());
    keys.insert(1234, "{bin.}empty".to_owned());
    keys.push("{absent.}last".to_owned());
    let values = store.get_many(&keys).unwrap_or_else(|e| panic!("get_many: {e}"));
    assert_eq!(values.len(), keys.len(), "{name}: get_many answers every key");
    for (key, value) in keys.iter().zip(&values) {
        assert_eq!(value.as_ref(), expected.get(key.as_bytes()), "{name}: get_many {key}");
    }
    assert_eq!(values[1234], Some(Vec::new()), "{name}: an empty value is not an absent one");
    assert!(store.get_many(&[]).unwrap().is_empty(), "{name}: get_many of no keys");

    // A mixed batch: deletes (of present and absent keys), overwrites, new keys, and two
    // writes of one key in one batch, which apply in order.
    let mut batch = Vec::new();
    for i in (0..OBJECTS).step_by(3) {
        batch.push(Op::Delete(format!("{{table{}.topic{}}}id-{i}", i % 40, i % 3)));
    }
    for i in (1..OBJECTS).step_by(7) {
        batch.push(Op::Set(format!("{{table{}.topic{}}}id-{i}", i % 40, i % 3), format!("v2-{i}").into_bytes()));
    }
    batch.extend([
        Op::Delete("{absent.}never-there".to_owned()),
        Op::Set("{new.}k".to_owned(), b"first".to_vec()),
        Op::Set("{new.}k".to_owned(), b"second".to_vec()),
        Op::Set("{new.}gone".to_owned(), b"x".to_vec()),
        Op::Delete("{new.}gone".to_owned()),
        Op::Delete("{bin.}empty".to_owned()),
        Op::Set("{bin.}empty".to_owned(), b"back".to_vec()),
        // Renames within a hash tag (as the commit protocol makes them): to a new key and
        // over an existing key.
        Op::Rename { from: "{table8.topic2}id-8".to_owned(), to: "{table8.topic2}~df-stage~id-8".to_owned() },
        Op::Rename { from: "{table10.topic1}id-10".to_owned(), to: "{table10.topic1}id-130".to_owned() },
    ]);
    apply(&mut expected, &batch);
    store.write(&batch).unwrap_or_else(|e| panic!("write: {e}"));
    assert_same(store, &expected, "after a mixed write");
    let probe = ["{new.}k", "{new.}gone", "{table0.topic0}id-0", "{table1.topic1}id-1"].map(String::from);
    assert_eq!(
        store.get_many(&probe).unwrap(),
        [Some(b"second".to_vec()), None, None, Some(b"v2-1".to_vec())],
        "{name}: get_many after the mixed write"
    );

    // Prefix scans visit exactly the keys with the prefix, taken literally (no glob).
    let glob = [Op::Set("app*:{g.}1".to_owned(), b"1".to_vec()), Op::Set("appX:{g.}2".to_owned(), b"2".to_vec()), Op::Set("app[:{g.}3".to_owned(), b"3".to_vec())];
    apply(&mut expected, &glob);
    store.write(&glob).unwrap_or_else(|e| panic!("write: {e}"));
    for prefix in ["{bin.", "{unique_key.", "app*:", "app[:", "{table1", "{nothing"] {
        let wanted: Data = expected.iter().filter(|(k, _)| k.starts_with(prefix.as_bytes())).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(scan_prefix(store, prefix), wanted, "{name}: scan of prefix {prefix:?}");
    }

    let fenced = check_lease(store, &mut expected, expire);
    assert_same(store, &expected, "at the end");
    fenced
}

fn check_lease(store: &mut dyn Store, expected: &mut Data, expire: bool) -> Fenced {
    let name = store.describe();
    let a = Holder { who: "host-a:101".to_owned(), since: "2026-01-02T03:04:05Z".to_owned() };
    let b = Holder { who: "host-b:202".to_owned(), since: "2026-01-02T03:04:06Z".to_owned() };
    let long = Duration::from_mins(1);
    let record = "{df_schema.}commit";
    let read = |store: &mut dyn Store| store.get_many(&[record.to_owned()]).unwrap().pop().unwrap();

    assert_eq!(store.acquire_lease("token-a", &a, long).unwrap(), None, "{name}: a free lease is taken");
    assert_eq!(store.acquire_lease("token-b", &b, long).unwrap(), Some(a.clone()), "{name}: a held lease names its holder");
    assert_eq!(store.acquire_lease("token-a", &a, long).unwrap(), None, "{name}: the holder may take its lease again");
    assert!(store.renew_lease("token-a", long).unwrap(), "{name}: the holder renews");
    assert!(!store.renew_lease("token-b", long).unwrap(), "{name}: another token does not renew");
    assert_same(store, expected, "while the lease is held (scan does not show the lease)");

    // Fencing: one engine record, which every store writes under the lease.
    let set = |value: &[u8]| [Op::Set(record.to_owned(), value.to_vec())];
    assert_eq!(store.write_if_leased("token-a", &set(b"c1")).unwrap(), Fenced::Written, "{name}: the holder writes under the lease");
    assert_eq!(read(store), Some(b"c1".to_vec()));
    assert_eq!(store.write_if_leased("token-b", &set(b"c2")).unwrap(), Fenced::LeaseLost, "{name}: another token does not write");
    assert_eq!(read(store), Some(b"c1".to_vec()), "{name}: a refused write leaves the value");
    expected.insert(record.as_bytes().to_vec(), b"c1".to_vec());

    // A mixed batch under the lease, longer than a batch size: all of it, or (declined)
    // none of it; never for another token. Overwritten, deleted and absent keys, engine
    // records and a rename.
    let mut batch = vec![
        Op::Set("{df_schema.}state".to_owned(), b"s1".to_vec()),
        Op::Set("{df_schema.}commit".to_owned(), b"c1".to_vec()),
        Op::Delete("{table4.topic1}absent".to_owned()),
    ];
    for i in (3..OBJECTS).step_by(11) {
        batch.push(Op::Set(format!("{{table{}.topic{}}}id-{i}", i % 40, i % 3), format!("v3-{i}").into_bytes()));
    }
    batch.push(Op::Delete("{table16.topic1}id-16".to_owned()));
    batch.push(Op::Set("{new.}k".to_owned(), b"third".to_vec()));
    batch.push(Op::Rename { from: "{table17.topic2}id-17".to_owned(), to: "{table17.topic2}~df-stage~id-17".to_owned() });
    batch.push(Op::Set("{new.}k".to_owned(), b"fourth".to_vec()));
    let refused = store.write_if_leased("token-b", &batch).unwrap();
    assert!(matches!(refused, Fenced::LeaseLost | Fenced::Declined(_)), "{name}: another token's batch gave {refused:?}");
    assert_same(store, expected, "after another token's batch");
    let fenced = store.write_if_leased("token-a", &batch).unwrap();
    match &fenced {
        Fenced::Written => apply(expected, &batch),
        Fenced::Declined(reason) => assert!(!reason.is_empty(), "{name}: a store says why it declines"),
        Fenced::LeaseLost => panic!("{name}: the holder's batch found the lease lost"),
    }
    assert_same(store, expected, "after the holder's batch");

    // Release: only by the holder, and only once.
    store.release_lease("token-b").unwrap();
    assert_eq!(store.acquire_lease("token-b", &b, long).unwrap(), Some(a.clone()), "{name}: another token does not release");
    store.release_lease("token-a").unwrap();
    store.release_lease("token-a").unwrap();
    assert!(!store.renew_lease("token-a", long).unwrap(), "{name}: a released lease is not renewed");
    assert_eq!(store.write_if_leased("token-a", &set(b"c3")).unwrap(), Fenced::LeaseLost, "{name}: no write after release");
    assert_eq!(read(store), Some(b"c1".to_vec()));

    if !expire {
        return fenced;
    }
    // Expiry.
    assert_eq!(store.acquire_lease("token-b", &b, Duration::from_millis(800)).unwrap(), None, "{name}: a released lease is free");
    assert_eq!(store.acquire_lease("token-c", &a, long).unwrap(), Some(b.clone()));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!store.renew_lease("token-b", long).unwrap(), "{name}: an expired lease is not renewed");
    assert_eq!(store.write_if_leased("token-b", &set(b"late")).unwrap(), Fenced::LeaseLost, "{name}: no write after expiry");
    let late = store.write_if_leased("token-b", &batch).unwrap();
    assert!(matches!(late, Fenced::LeaseLost | Fenced::Declined(_)), "{name}: a batch after expiry gave {late:?}");
    assert_eq!(store.acquire_lease("token-c", &a, long).unwrap(), None, "{name}: an expired lease is taken");
    assert!(!store.renew_lease("token-b", long).unwrap(), "{name}: the old holder stays out");
    assert_eq!(store.write_if_leased("token-c", &set(b"c4")).unwrap(), Fenced::Written);
    expected.insert(record.as_bytes().to_vec(), b"c4".to_vec());
    store.release_lease("token-c").unwrap();
    assert_eq!(read(store), Some(b"c4".to_vec()));
    fenced
}
