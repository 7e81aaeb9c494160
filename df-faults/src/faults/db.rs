//! A database under test, an embedded redb file or a private `redis-server`, as the
//! campaign sees it from outside the runners: its URL, every key with its exact bytes,
//! and a way to put an exact state back before the next run.

use df_testkit::runner::Runner;
use anyhow::Context;
use df_migrations::records::lease_key;
use df_migrations::store::{Op, RedbStore, Store};
use df_migrations::transfer::write_export;
use df_testkit::redis_server::{queueing, RedisServer};
use df_testkit::states::{dump, Dump};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

/// A database and a temporary directory for the files that go with it.
pub struct Db {
    pub kind: Kind,
    dir: tempfile::TempDir,
}

pub enum Kind {
    Redb(PathBuf),
    Redis(RedisServer),
}

impl Db {
    /// A new, empty redb file in a temporary directory.
    pub fn redb() -> anyhow::Result<Db> {
        let dir = scratch_dir()?;
        Ok(Db { kind: Kind::Redb(dir.path().join("nb.redb")), dir })
    }

    /// A new private Redis server without persistence.
    pub fn redis() -> anyhow::Result<Db> {
        Db::on(start_redis(RedisServer::start)?)
    }

    /// A database on `server`.
    pub fn on(server: RedisServer) -> anyhow::Result<Db> {
        Ok(Db { kind: Kind::Redis(server), dir: scratch_dir()? })
    }

    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Redb(_) => "redb",
            Kind::Redis(_) => "Redis",
        }
    }

    pub fn url(&self) -> String {
        match &self.kind {
            Kind::Redb(path) => format!("redb:{}", path.display()),
            Kind::Redis(server) => server.url(),
        }
    }

    pub fn runner(&self) -> Runner {
        Runner::new(self.url())
    }

    /// A file in the database's temporary directory.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Every key with its value. On redb no runner may have the file open.
    pub fn dump(&self) -> anyhow::Result<Dump> {
        match &self.kind {
            Kind::Redb(path) => Ok(dump(&mut RedbStore::open(path)?)?),
            Kind::Redis(server) => server.dump().with_context(|| format!("cannot read {}", server.url())),
        }
    }

    /// Replaces the whole database by `state`.
    pub fn load(&self, state: &Dump) -> anyhow::Result<()> {
        match &self.kind {
            Kind::Redb(path) => {
                if path.exists() {
                    std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
                }
                let ops: Vec<Op> = state.iter().map(|(k, v)| Op::Set(k.clone(), v.clone())).collect();
                RedbStore::create(path)?.write(&ops)?;
                Ok(())
            }
            Kind::Redis(server) => server.load(state).with_context(|| format!("cannot write {}", server.url())),
        }
    }

    /// Sets one key to exactly `value`, behind the runners' back (bad data written by
    /// something else than df-schema).
    pub fn set(&self, key: &str, value: &[u8]) -> anyhow::Result<()> {
        match &self.kind {
            Kind::Redb(path) => Ok(RedbStore::open(path)?.write(&[Op::Set(key.to_owned(), value.to_vec())])?),
            Kind::Redis(server) => Ok(redis::cmd("SET").arg(key).arg(value).query(&mut server.connection_or_error()?)?),
        }
    }

    /// Waits until no runner holds the lease: on Redis until the lease key expires (a
    /// dead runner's lease outlives it by up to its TTL), at most `limit`; on redb the
    /// lease is a file lock that dies with its process. Returns whether it is free.
    pub fn wait_for_lease_expiry(&self, limit: Duration) -> anyhow::Result<bool> {
        let Kind::Redis(server) = &self.kind else { return Ok(true) };
        let mut connection = server.connection_or_error()?;
        let deadline = Instant::now() + limit;
        while redis::cmd("EXISTS").arg(lease_key()).query::<bool>(&mut connection)? {
            if Instant::now() > deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(true)
    }

    /// Waits until a runner started on the `old` state begins its commit on Redis (it
    /// queues a transaction, or it stages: the database grows by more than the lease's
    /// one key), or ends.
    pub fn wait_for_commit(&self, old: &Dump, child: &mut Child) -> anyhow::Result<()> {
        let Kind::Redis(server) = &self.kind else { anyhow::bail!("commits are watched on Redis only, not on {}", self.name()) };
        let mut connection = server.connection_or_error()?;
        let deadline = Instant::now() + Duration::from_mins(5);
        while child.try_wait()?.is_none() {
            if queueing(&mut connection)? || redis::cmd("DBSIZE").query::<usize>(&mut connection)? > old.len() + 1 {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "the upgrade never reached its commit");
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }

    /// Imports `keys` (a Dragonflow 2.0 database) with `runner import`, stamps it with
    /// `runner baseline --release 2.0`, and returns the result: the old state of every
    /// run that starts from it.
    pub fn import_baselined(&self, keys: Vec<(String, Vec<u8>)>) -> anyhow::Result<Dump> {
        let file = self.scratch("seed.jsonl");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).with_context(|| format!("cannot create {}", file.display()))?);
        write_export(&mut out, "df-faults", keys.into_iter())?;
        drop(out);
        let runner = self.runner();
        runner.ok(&["import", &file.display().to_string()])?;
        runner.ok(&["baseline", "--release", "2.0"])?;
        std::fs::remove_file(&file)?;
        self.dump()
    }

    /// [`Db::import_baselined`] with a generated deployment of about `objects` objects.
    pub fn seed_baselined(&self, objects: usize, seed: u64) -> anyhow::Result<Dump> {
        self.import_baselined(dragonflow_fixtures::generate(objects, seed))
    }
}

fn scratch_dir() -> anyhow::Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new().prefix("df-faults-").tempdir()?)
}

/// A server (or cluster) from `start`, or an error saying the campaign needs Redis.
pub fn start_redis<T>(start: impl FnOnce() -> Option<T>) -> anyhow::Result<T> {
    start().context("the fault campaign needs `redis-server` on PATH (e.g. `apt-get install redis-server`)")
}
