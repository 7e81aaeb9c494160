//! Shared by the application API's tests (`app.rs`, `app_redis.rs`): two tiny models of
//! their own (recorded in `app.lock` next to this file), a store wrapper that counts and
//! slows down full reads, a database at an old schema, and instances started at once.

#![allow(dead_code)] // each test file uses its own part

use df_migrations::records::{self, EngineState, ModelState};
use df_migrations::store::{Fenced, Holder, Op, Store, StoreError};
use df_migrations::{Build, Migrator, Startup};
use df_schema::{df_model, Model};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// A model with a topic, drawing its `unique_key` from its table's counter.
#[df_model(version = 1, table = "app_note", lock = "app.lock")]
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: String,
    pub topic: String,
    pub text: String,
    pub unique_key: i64,
}

/// A model without a topic, with a second version that adds a field with a default.
#[df_model(version = 2, table = "app_host", lock = "app.lock")]
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub id: String,
    pub name: String,
    #[df(default = "up")]
    pub state: String,
}

pub fn note(topic: &str, id: &str, text: &str) -> Note {
    Note { id: id.into(), topic: topic.into(), text: text.into(), unique_key: 0 }
}

/// These tests' models alone: a test that links `df_testkit` links Dragonflow's models
/// too, which are none of this API's business.
pub fn build() -> Build {
    let linked = Build::linked().unwrap();
    Build {
        models: linked.models.into_iter().filter(|m| [Note::NAME, Host::NAME].contains(&m.name)).collect(),
        migrations: Vec::new(),
        layout: linked.layout,
    }
}

/// Writes a database that a build with only `Host` v1 migrated, holding one host.
pub fn seed_old_schema(store: &mut dyn Store) {
    let v1 = Host::history().versions[&1].fingerprint.clone();
    let state = EngineState { models: [(Host::NAME.to_owned(), ModelState { version: 1, fingerprint: v1 })].into(), ..EngineState::default() };
    store
        .write(&[
            Op::Set(records::state_key().encode(), serde_json::to_vec(&state).unwrap()),
            Op::Set("{app_host.}h1".into(), br#"{"id":"h1","name":"alpha"}"#.to_vec()),
        ])
        .unwrap();
}

/// A store that counts its full reads (`scan`) and makes each take `scan_delay` longer,
/// so that an upgrade holds the lease long enough for others to find it taken.
pub struct Watched<S> {
    pub inner: S,
    pub scans: Arc<AtomicUsize>,
    pub scan_delay: Duration,
}

impl<S: Store> Watched<S> {
    pub fn new(inner: S) -> Watched<S> {
        Watched { inner, scans: Arc::default(), scan_delay: Duration::ZERO }
    }

    pub fn scans(&self) -> usize {
        self.scans.load(Ordering::SeqCst)
    }
}

type Result<T> = std::result::Result<T, StoreError>;

impl<S: Store> Store for Watched<S> {
    fn scan(&mut self, prefix: &str, visit: &mut dyn FnMut(&[u8], Vec<u8>)) -> Result<()> {
        self.scans.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.scan_delay);
        self.inner.scan(prefix, visit)
    }
    fn keep_lease_in(&mut self, namespace: &str) { self.inner.keep_lease_in(namespace) }
    fn describe(&self) -> String { self.inner.describe() }
    fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> { self.inner.get_many(keys) }
    fn write(&mut self, batch: &[Op]) -> Result<()> { self.inner.write(batch) }
    fn acquire_lease(&mut self, token: &str, who: &Holder, ttl: Duration) -> Result<Option<Holder>> { self.inner.acquire_lease(token, who, ttl) }
    fn renew_lease(&mut self, token: &str, ttl: Duration) -> Result<bool> { self.inner.renew_lease(token, ttl) }
    fn release_lease(&mut self, token: &str) -> Result<()> { self.inner.release_lease(token) }
    fn lease(&mut self) -> Result<Option<df_migrations::store::LeaseState>> { self.inner.lease() }
    fn write_if_leased(&mut self, token: &str, batch: &[Op]) -> Result<Fenced> { self.inner.write_if_leased(token, batch) }
}

/// `stores.len()` instances start at once on one fresh database, each migrating to
/// `build` on its own connection; every full read takes 300 ms longer, so that whoever
/// takes the lease holds it while the others look. Returns what each reported.
pub fn start_at_once<S: Store + Send + 'static>(build: &Build, stores: Vec<S>) -> Vec<Startup> {
    let barrier = Arc::new(Barrier::new(stores.len()));
    let threads: Vec<_> = stores
        .into_iter()
        .map(|store| {
            let (barrier, migrator) = (barrier.clone(), Migrator::new(build.clone()).wait_timeout(Duration::from_secs(30)));
            std::thread::spawn(move || {
                let mut store = Watched { scan_delay: Duration::from_millis(300), ..Watched::new(store) };
                barrier.wait();
                migrator.run(&mut store).unwrap()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// Exactly one instance migrated (all three steps); the others saw it done.
pub fn assert_one_migrated(outcomes: &[Startup]) {
    let migrated: Vec<_> = outcomes.iter().filter(|o| matches!(o, Startup::Migrated(_))).collect();
    assert_eq!(migrated.len(), 1, "{outcomes:#?}");
    assert_eq!(migrated[0].steps_applied(), 3, "{outcomes:#?}");
    for outcome in outcomes.iter().filter(|o| !matches!(o, Startup::Migrated(_))) {
        let Startup::MigratedByAnotherInstance { holder: Some(holder), .. } = outcome else { panic!("{outcomes:#?}") };
        assert!(holder.who.contains("pid"), "{holder:?}");
    }
}
