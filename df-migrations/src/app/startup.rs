//! Migrating at start-up in one call, as `sqlx::migrate!().run(&pool)` does: an
//! application runs its pending migrations before it serves, and many instances of it may
//! start at once. The engine's lease lets one of them migrate; the others wait until
//! nothing is pending. When nothing is pending (every start but the first after a
//! deployment), only the engine's records are read.

use super::error::AppError;
use crate::linked::Build;
use crate::engine::{Engine, Report, Status, UpgradeOptions};
use crate::error::EngineError;
use crate::store::{self, Holder, RedisOptions, Store};
use std::time::{Duration, Instant};

/// The first pause between two looks at a database another instance migrates; it doubles
/// up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// The longest pause between two looks.
const MAX_BACKOFF: Duration = Duration::from_millis(250);

/// Runs the pending migrations of the models linked into this program on the database
/// `url` names (see [`crate::store::open`] for the forms), with [`Migrator`]'s defaults.
///
/// ```
/// // No models are linked into this doctest: nothing is pending.
/// let outcome = df_migrations::migrate("memory:").unwrap();
/// assert!(matches!(outcome, df_migrations::Startup::NothingPending));
/// ```
pub fn migrate(url: &str) -> Result<Startup, AppError> {
    Migrator::linked()?.run_url(url)
}

/// What a start-up migration did.
#[derive(Debug, Clone)]
pub enum Startup {
    /// Nothing was pending; only the engine's records were read.
    NothingPending,
    /// This instance took the lease and upgraded: the engine's report, whose `steps` are
    /// the steps applied (none if it only completed an interrupted commit: `recovered`).
    Migrated(Box<Report>),
    /// Another instance migrated the database while this one waited (or just before this
    /// one took the lease); `holder` is the lease's holder as last seen, if it was seen.
    MigratedByAnotherInstance {
        /// Who held the lease when this instance found it taken.
        holder: Option<Holder>,
        /// How long this instance waited.
        waited: Duration,
    },
}

impl Startup {
    /// How many steps this instance applied.
    pub fn steps_applied(&self) -> usize {
        match self {
            Startup::Migrated(report) => report.steps.len(),
            Startup::NothingPending | Startup::MigratedByAnotherInstance { .. } => 0,
        }
    }
}

/// Runs pending migrations at start-up; see the module documentation.
///
/// ```
/// use df_migrations::{store::MemoryStore, Migrator, Startup};
/// use std::time::Duration;
///
/// let mut store = MemoryStore::new();
/// let migrator = Migrator::linked().unwrap().wait_timeout(Duration::from_secs(30));
/// assert!(matches!(migrator.run(&mut store).unwrap(), Startup::NothingPending));
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    build: Build,
    wait_timeout: Duration,
    lease_ttl: Option<Duration>,
    redis: RedisOptions,
    init: bool,
}

impl Migrator {
    /// A migrator to `build`'s models and migrations.
    pub fn new(build: Build) -> Migrator {
        Migrator { build, wait_timeout: Duration::from_mins(2), lease_ttl: None, redis: RedisOptions::default(), init: true }
    }

    /// A migrator to the models and migrations linked into this program
    /// ([`Build::linked`]); refuses a model set that collides.
    pub fn linked() -> Result<Migrator, AppError> {
        Ok(Migrator::new(Build::linked()?))
    }

    /// How long to wait for another instance that holds the lease (default 120 s) before
    /// giving up with [`AppError::Timeout`].
    pub fn wait_timeout(mut self, timeout: Duration) -> Migrator {
        self.wait_timeout = timeout;
        self
    }

    /// The lease's time to live while this instance migrates (the engine's default
    /// otherwise; see [`Engine::with_lease_ttl`]).
    pub fn lease_ttl(mut self, ttl: Duration) -> Migrator {
        self.lease_ttl = Some(ttl);
        self
    }

    /// Whether an empty database is initialized (every model created in it, and a redb
    /// file created by [`Migrator::run_url`]), as an application's first start expects;
    /// the default. With `false`, an empty database or a missing file is refused
    /// ([`EngineError::NotInitialized`], [`crate::store::StoreError::Missing`]), for an
    /// application whose database an operator creates (`df-runner init`).
    pub fn init(mut self, init: bool) -> Migrator {
        self.init = init;
        self
    }

    /// How [`Migrator::run_url`] connects to Redis.
    pub fn redis_options(mut self, options: RedisOptions) -> Migrator {
        self.redis = options;
        self
    }

    /// Opens the database `url` names (see [`crate::store::open`]; a missing redb file is
    /// created unless [`Migrator::init`] said not to) and runs [`Migrator::run`] on it.
    pub fn run_url(&self, url: &str) -> Result<Startup, AppError> {
        let open = if self.init { store::open_or_create } else { store::open };
        self.run(&mut *open(url, &self.redis)?)
    }

    /// Brings `store` to the build's schema, or finds it there.
    ///
    /// Reads the engine's records ([`Engine::status`]); with nothing pending and no
    /// interrupted commit, that is all. Otherwise upgrades (which completes an
    /// interrupted commit first). If another instance holds the lease, looks at the
    /// records again after a short pause, doubling up to 250 ms, until nothing is pending
    /// (then [`Startup::MigratedByAnotherInstance`]) or the lease is free to take (it
    /// died or failed: this instance upgrades), or gives up after the wait timeout.
    pub fn run(&self, store: &mut dyn Store) -> Result<Startup, AppError> {
        let started = Instant::now();
        let mut backoff = FIRST_BACKOFF;
        let mut holder: Option<Holder> = None;
        loop {
            let status = self.engine(store).status()?;
            if is_current(&status) {
                return Ok(match holder {
                    None => Startup::NothingPending,
                    holder => Startup::MigratedByAnotherInstance { holder, waited: started.elapsed() },
                });
            }
            match self.engine(store).upgrade(&UpgradeOptions { init: self.init, ..UpgradeOptions::default() }, &mut |_| {}) {
                // Pending when this instance looked, nothing to do once it held the lease:
                // another instance migrated in between.
                Ok(report) if report.steps.is_empty() && report.recovered.is_none() => {
                    return Ok(Startup::MigratedByAnotherInstance { holder, waited: started.elapsed() });
                }
                Ok(report) => return Ok(Startup::Migrated(Box::new(report))),
                Err(EngineError::Locked { store: described, holder: current }) => {
                    let waited = started.elapsed();
                    if waited >= self.wait_timeout {
                        return Err(AppError::Timeout { store: described, waited, pending: status.pending.len(), holder: Some(current) });
                    }
                    holder = Some(current);
                    std::thread::sleep(backoff.min(self.wait_timeout.checked_sub(waited).unwrap()));
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    fn engine<'s>(&self, store: &'s mut dyn Store) -> Engine<'s> {
        let engine = Engine::new(store, self.build.clone());
        match self.lease_ttl {
            Some(ttl) => engine.with_lease_ttl(ttl),
            None => engine,
        }
    }
}

/// Whether a database needs no upgrade: nothing pending and no commit to complete.
fn is_current(status: &Status) -> bool {
    status.pending.is_empty() && status.interrupted_commit.is_none()
}
