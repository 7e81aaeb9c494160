//! Typed access to an application's models, in the engine's key layout, so that an
//! application reads and writes exactly what the engine migrates, and never works on a
//! database whose schema is not the one it was built with.

use super::counter;
use super::error::{AppError, NotMigrated};
use crate::linked::Build;
use crate::engine::{Engine, Status};
use crate::fleet;
use df_schema::core::format_timestamp;
use crate::layout::{self, Key, StoredKey};
use crate::store::{self, Namespaced, Op, RedisOptions, Store, StoreError};
use df_schema::Model;
use std::time::Duration;

/// A database at this build's schema, with typed access to its models.
///
/// Opening it reads the engine's records ([`Engine::status`]) once and refuses, with
/// [`AppError::NotMigrated`], a database whose recorded schema is not the build's: no
/// df-schema state, an interrupted commit, a model at another version, or steps pending.
/// The handle does not look again by itself: after a migration (by this process or
/// another), [`Database::refresh`] looks again.
///
/// Objects are stored as the engine stores them, in the key layout the model crate
/// declares (see `df_schema::key_layout`): under `{<table>.<topic>}<id>` after the
/// layout's namespace, as compact JSON as `serde_json` writes it; models without a topic
/// use the empty topic.
///
/// ```
/// use df_migrations::{migrate, AppError, Database};
/// use df_schema::df_model;
///
/// // The application's keys live under `notes:`, beside other software's.
/// df_schema::key_layout!(application, namespace = "notes:");
///
/// /// A note: this doctest's model, recorded in df-migrations' own `df-schema.lock`.
/// #[df_model(version = 1)]
/// #[derive(Debug, Clone, PartialEq)]
/// pub struct Note {
///     /// The key.
///     pub id: String,
///     /// What it says.
///     pub text: String,
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let dir = tempfile::tempdir()?;
///     let url = format!("redb:{}", dir.path().join("notes.redb").display());
///
///     // A database that was never migrated is refused, saying what to do...
///     let error = Database::open(&url).err().unwrap();
///     assert!(matches!(error, AppError::NotMigrated { .. }), "{error}");
///     assert!(error.to_string().contains("Run the migrations first"));
///
///     // ...until the application migrates it at start-up: one step creates `Note`.
///     assert_eq!(migrate(&url)?.steps_applied(), 1);
///     let mut db = Database::open(&url)?;
///     let note = Note { id: "n1".into(), text: "buy milk".into() };
///     db.put(&note)?;
///     assert_eq!(db.get::<Note>("", "n1")?, Some(note.clone()));
///     assert_eq!(db.list::<Note>()?, [note]);
///     db.delete::<Note>("", "n1")?;
///     assert_eq!(db.get::<Note>("", "n1")?, None);
///     Ok(())
/// }
/// ```
pub struct Database {
    store: Box<dyn Store>,
    build: Build,
    lease_wait: Duration,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("store", &self.store.describe()).finish_non_exhaustive()
    }
}

impl Database {
    /// Opens the database `url` names (see [`crate::store::open`]) for the models linked
    /// into this program. A redb file that does not exist is a database never migrated
    /// ([`NotMigrated::NoState`]), and is not created.
    pub fn open(url: &str) -> Result<Database, AppError> {
        match store::open(url, &RedisOptions::default()) {
            Err(StoreError::Missing { store }) => Err(AppError::NotMigrated { store, why: NotMigrated::NoState }),
            opened => Database::new(opened?),
        }
    }

    /// The database in `store`, for the models linked into this program
    /// ([`Build::linked`]).
    pub fn new(store: Box<dyn Store>) -> Result<Database, AppError> {
        Database::with_build(store, Build::linked()?)
    }

    /// The database in `store`, for `build`'s models.
    pub fn with_build(store: Box<dyn Store>, build: Build) -> Result<Database, AppError> {
        let mut database = Database { store, build, lease_wait: Duration::from_secs(10) };
        database.refresh()?;
        Ok(database)
    }

    /// How long [`Database::allocate`] waits for the upgrade lease (default 10 s).
    pub fn lease_wait(mut self, wait: Duration) -> Database {
        self.lease_wait = wait;
        self
    }

    /// Reads the engine's records again and refuses, as opening does, unless the
    /// database is at the build's schema. Until it succeeds, the handle keeps working as
    /// it did.
    pub fn refresh(&mut self) -> Result<(), AppError> {
        let status = Engine::new(&mut *self.store, self.build.clone()).status()?;
        match not_migrated(&status) {
            None => Ok(()),
            Some(why) => Err(AppError::NotMigrated { store: self.store.describe(), why }),
        }
    }

    /// The whole store, outside the key layout too, e.g. for what the typed access does
    /// not cover.
    pub fn store(&mut self) -> &mut dyn Store {
        &mut *self.store
    }

    /// The store as the build's key layout sees it.
    fn scoped(&mut self) -> Namespaced<'_> {
        Namespaced::new(&mut *self.store, self.build.layout)
    }

    /// The store back.
    pub fn into_store(self) -> Box<dyn Store> {
        self.store
    }

    /// The object of model `M` with `id` in `topic` (`""` for models without a topic).
    pub fn get<M: Model>(&mut self, topic: &str, id: &str) -> Result<Option<M>, AppError> {
        let key = self.key::<M>(topic, id)?;
        match self.scoped().get_many(std::slice::from_ref(&key))?.pop().flatten() {
            None => Ok(None),
            Some(bytes) => self.decode(&key, topic, id, &bytes).map(Some),
        }
    }

    /// Stores `object` under its topic and id, replacing what was there.
    pub fn put<M: Model>(&mut self, object: &M) -> Result<(), AppError> {
        let key = self.key::<M>(object.topic(), object.id())?;
        let value = serde_json::to_vec(object).map_err(|e| self.bad_value::<M>(&key, format!("it does not serialize: {e}")))?;
        Ok(self.scoped().write(&[Op::Set(key, value)])?)
    }

    /// Deletes the object of model `M` with `id` in `topic`, if there is one.
    pub fn delete<M: Model>(&mut self, topic: &str, id: &str) -> Result<(), AppError> {
        let key = self.key::<M>(topic, id)?;
        Ok(self.scoped().write(&[Op::Delete(key)])?)
    }

    /// Every object of model `M`'s table, in key order: a scan of the table's keys alone.
    pub fn list<M: Model>(&mut self) -> Result<Vec<M>, AppError> {
        self.known::<M>()?;
        let prefix = format!("{{{}.", M::TABLE);
        let mut found = Vec::new();
        self.scoped().scan(&prefix, &mut |key, value| found.push((key.to_vec(), value)))?;
        found.sort();
        let mut objects = Vec::with_capacity(found.len());
        for (raw, value) in found {
            // Staged values of an interrupted commit share the prefix; they are not objects
            // (unless an object's own id only looks like a marker).
            let key = match layout::parse(&raw) {
                Ok(StoredKey::Live(key)) => Some(key),
                Ok(StoredKey::Staged(_) | StoredKey::Dropped(_)) => layout::marked_object(&raw, &value),
                _ => None,
            };
            if let Some(Key::Object { table, topic, id }) = key {
                if table == M::TABLE {
                    objects.push(self.decode(&String::from_utf8_lossy(&raw), &topic, &id, &value)?);
                }
            }
        }
        Ok(objects)
    }

    /// The next value of model `M`'s table's unique-key counter (`{unique_key.}<table>`;
    /// the first is 1), as `NbApi::allocate_unique_key` and Redis `INCR` keep it. The
    /// read and the write are made under the upgrade lease, held for a moment, so that
    /// allocations never interleave (see [`Database::lease_wait`]).
    pub fn allocate<M: Model>(&mut self) -> Result<i64, AppError> {
        self.known::<M>()?;
        let wait = self.lease_wait;
        counter::allocate(&mut self.scoped(), M::NAME, M::TABLE, wait)
    }

    /// Records that host `host` runs this program's models and stays live for `ttl`: the
    /// heartbeat that `plan` and `upgrade` read, so that they refuse a step this host could
    /// not survive, and that `status` lists (see `crate::fleet`). Send it again well
    /// within `ttl` (say every `ttl / 3`); [`Database::leave`] when the host stops.
    ///
    /// ```
    /// # use df_migrations::{migrate, Database};
    /// # use std::time::Duration;
    /// # df_schema::key_layout!(application, namespace = "fleet:");
    /// # #[df_schema::df_model(version = 1)]
    /// # pub struct Note { pub id: String, pub text: String }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let url = format!("redb:{}", dir.path().join("notes.redb").display());
    /// migrate(&url)?;
    /// let mut db = Database::open(&url)?;
    /// db.heartbeat("web-1", Duration::from_secs(30))?;
    /// let mut engine = df_migrations::Engine::new(db.store(), df_migrations::Build::linked()?);
    /// let hosts = engine.live_hosts()?;
    /// assert_eq!((hosts[0].host.as_str(), hosts[0].models["Note"]), ("web-1", 1));
    /// db.leave("web-1")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn heartbeat(&mut self, host: &str, ttl: Duration) -> Result<(), AppError> {
        let key = self.host_key(host)?;
        let now = chrono::Utc::now();
        let expires = chrono::Duration::from_std(ttl).ok().and_then(|ttl| now.checked_add_signed(ttl)).unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
        let models: serde_json::Map<String, serde_json::Value> = self.build.models.iter().map(|m| (m.name.to_owned(), m.version.into())).collect();
        // The fields of `HostRecord`, which `Engine::hosts` reads back.
        let record = serde_json::json!({
            "host": host,
            "models": models,
            "heartbeat_at": format_timestamp(&now),
            "expires_at": format_timestamp(&expires),
        });
        Ok(self.scoped().write(&[Op::Set(key, record.to_string().into_bytes())])?)
    }

    /// Deletes host `host`'s heartbeat record: the host stopped, and no step waits for it.
    pub fn leave(&mut self, host: &str) -> Result<(), AppError> {
        let key = self.host_key(host)?;
        Ok(self.scoped().write(&[Op::Delete(key)])?)
    }

    fn host_key(&self, host: &str) -> Result<String, AppError> {
        let reason = if host.is_empty() {
            "the name is empty"
        } else if host.chars().any(|c| c.is_control() || matches!(c, '{' | '}' | '/')) {
            "the name holds a control character, a brace or a slash"
        } else {
            return Ok(fleet::host_key(host).encode());
        };
        Err(AppError::BadHost { store: self.store.describe(), host: host.to_owned(), reason })
    }

    /// Refuses a model that the build does not have at this version and fingerprint (the
    /// build's versions are the database's: opening checked that).
    fn known<M: Model>(&self) -> Result<(), AppError> {
        let reason = match self.build.model(M::NAME) {
            None => "the build has no model of that name".to_owned(),
            Some(entry) if (entry.version, entry.table, entry.fingerprint) != (M::VERSION, M::TABLE, M::FINGERPRINT) => {
                format!("the build has v{} (fingerprint {}) in table `{}`", entry.version, entry.fingerprint, entry.table)
            }
            Some(_) => return Ok(()),
        };
        Err(AppError::UnknownModel { store: self.store.describe(), model: M::NAME, table: M::TABLE, version: M::VERSION, reason })
    }

    /// The stored key of an object of `M`, refusing ids and topics the layout cannot
    /// hold.
    fn key<M: Model>(&self, topic: &str, id: &str) -> Result<String, AppError> {
        self.known::<M>()?;
        let key = layout::object_key(M::TABLE, topic, id);
        let reason = if !M::HAS_TOPIC && !topic.is_empty() {
            "the model has no topic: its objects are stored under the empty topic"
        } else if let Some(reason) = layout::unstorable(M::TABLE, topic, id) {
            reason
        } else {
            return Ok(key);
        };
        Err(AppError::BadKey { store: self.store.describe(), model: M::NAME, table: M::TABLE, key, reason: reason.to_owned() })
    }

    /// Decodes the value stored under `key`, which must be the object with that id and
    /// topic.
    fn decode<M: Model>(&self, key: &str, topic: &str, id: &str, bytes: &[u8]) -> Result<M, AppError> {
        let object: M = serde_json::from_slice(bytes).map_err(|e| self.bad_value::<M>(key, e.to_string()))?;
        if object.id() != id || object.topic() != topic {
            let reason = format!("it holds the object with id {:?} and topic {:?}", object.id(), object.topic());
            return Err(self.bad_value::<M>(key, reason));
        }
        Ok(object)
    }

    fn bad_value<M: Model>(&self, key: &str, reason: String) -> AppError {
        AppError::BadValue { store: self.store.describe(), model: M::NAME, table: M::TABLE, key: key.to_owned(), reason }
    }
}

/// Why a database with this status is not at the build's schema, if it is not.
fn not_migrated(status: &Status) -> Option<NotMigrated> {
    if !status.baselined {
        return Some(NotMigrated::NoState);
    }
    if status.interrupted_commit.is_some() {
        return Some(NotMigrated::InterruptedCommit);
    }
    if let Some((model, versions)) = status.models.iter().find(|(_, v)| v.database != Some(v.build)) {
        return Some(NotMigrated::Model { model: model.clone(), db: versions.database, build: versions.build });
    }
    status.pending.first().map(|first| NotMigrated::Pending { steps: status.pending.len(), first: first.id.clone() })
}
