//! The application API on a private Redis server: four instances starting at once, each
//! on its own connection (one migrates, the others report it done), and the typed access.
//! `df_testkit` links Dragonflow's models into this program, so the build here is
//! `app_support`'s two models alone.

mod app_support;

use app_support::{note, start_at_once, Note};
use df_migrations::store::{RedisOptions, RedisStore};
use df_migrations::{Database, Migrator};
use df_testkit::redis_server::RedisServer;

#[test]
fn four_instances_at_once_on_one_redis_server_one_migrates() {
    let Some(server) = RedisServer::start() else { return };
    let stores = (0..4).map(|_| RedisStore::connect(&server.url(), &RedisOptions::default()).unwrap()).collect();
    app_support::assert_one_migrated(&start_at_once(&app_support::build(), stores));
}

#[test]
fn typed_access_on_redis() {
    let Some(server) = RedisServer::start() else { return };
    let mut store = RedisStore::connect(&server.url(), &RedisOptions::default()).unwrap();
    Migrator::new(app_support::build()).run(&mut store).unwrap();
    let mut db = Database::with_build(Box::new(store), app_support::build()).unwrap();
    let mut stored = note("t", "n1", "on redis");
    stored.unique_key = db.allocate::<Note>().unwrap();
    db.put(&stored).unwrap();
    assert_eq!(db.get::<Note>("t", "n1").unwrap(), Some(stored.clone()));
    assert_eq!(db.list::<Note>().unwrap(), [stored]);
    assert_eq!(db.allocate::<Note>().unwrap(), 2);
    db.delete::<Note>("t", "n1").unwrap();
    assert_eq!(db.list::<Note>().unwrap(), []);
}
