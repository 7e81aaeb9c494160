//! What the environment does to a database between upgrades: keys given a time to live,
//! a server that would evict keys, objects lost (a server restarted without persistence,
//! keys evicted), a redb file damaged, and an export aimed at the live file. Each is refused, naming what is wrong,
//! with nothing written.

use super::{judge, refused, Case, Prepared};
use crate::faults::db::Kind;
use crate::faults::report::Row;
use df_testkit::states::Dump;

pub fn rows(dbs: &[anyhow::Result<Prepared>]) -> Vec<Row> {
    vec![expiring(dbs), evicting(dbs), lost(dbs), emptied(dbs), damaged_file(dbs), export_over_the_database(dbs)]
}

/// The databases of `dbs` of one kind, for cases that only it can have.
fn only(dbs: &[anyhow::Result<Prepared>], redb: bool) -> impl Iterator<Item = &Prepared> {
    dbs.iter().filter_map(|db| db.as_ref().ok()).filter(move |p| matches!(p.db.kind, Kind::Redb(_)) == redb)
}

/// An object key with a time to live: an upgrade would drop its expiry, and a rollback
/// could not bring it back, so it is refused naming the key; the key keeps its expiry.
fn expiring(dbs: &[anyhow::Result<Prepared>]) -> Row {
    let mut case = Case::new("an object key with a time to live");
    for prepared in only(dbs, false) {
        case.check("Redis", || {
            let Kind::Redis(server) = &prepared.db.kind else { anyhow::bail!("not Redis") };
            prepared.db.load(&prepared.base)?;
            let port = prepared.base.keys().find(|key| key.starts_with("{lport.")).ok_or_else(|| anyhow::anyhow!("no port"))?.clone();
            server.command::<()>(redis::cmd("EXPIRE").arg(&port).arg(3600));
            let failure = refused(&prepared.db, &prepared.base, &["upgrade"], &[&port, "time to live", &format!("PERSIST {port}")])?;
            let left: i64 = server.command(redis::cmd("PTTL").arg(&port));
            Ok(failure.or_else(|| (left <= 0).then(|| format!("the key's time to live is gone ({left})"))))
        });
    }
    case.finish()
}

/// A Redis server whose `maxmemory` cannot hold what the upgrade writes, evicting at its
/// limit: refused before anything is written, saying what to raise.
fn evicting(dbs: &[anyhow::Result<Prepared>]) -> Row {
    let mut case = Case::new("a Redis server that would evict keys during the upgrade (maxmemory too small)");
    for prepared in only(dbs, false) {
        case.check("Redis", || {
            let Kind::Redis(server) = &prepared.db.kind else { anyhow::bail!("not Redis") };
            prepared.db.load(&prepared.base)?;
            let info: String = server.command(redis::cmd("INFO").arg("memory"));
            let used: u64 = info.lines().find_map(|line| line.strip_prefix("used_memory:")).ok_or_else(|| anyhow::anyhow!("no used_memory"))?.trim().parse()?;
            let set = |name: &str, value: &str| server.command::<()>(redis::cmd("CONFIG").arg("SET").arg(name).arg(value));
            set("maxmemory-policy", "allkeys-lru");
            set("maxmemory", &(used + 100_000).to_string());
            let failure = refused(&prepared.db, &prepared.base, &["upgrade"], &["would evict keys (maxmemory-policy allkeys-lru)", "Raise maxmemory to at least"]);
            set("maxmemory", "0");
            set("maxmemory-policy", "noeviction");
            failure
        });
    }
    case.finish()
}

/// The objects gone and the records kept, as a Redis restart without persistence of
/// only some keys, or eviction, leaves it: the upgrade would go on over nothing.
fn lost(dbs: &[anyhow::Result<Prepared>]) -> Row {
    Case::new("the objects lost since the last upgrade, its records kept").on_each(dbs, |prepared| {
        let records: Dump = prepared.at_30.iter().filter(|(key, _)| key.starts_with("{df_schema")).map(|(k, v)| (k.clone(), v.clone())).collect();
        prepared.db.load(&records)?;
        refused(&prepared.db, &records, &["upgrade"], &["objects its last upgrade", "the data was lost"])
    })
}

/// Every key gone, as a Redis server restarted without persistence leaves it: not taken
/// for a new database.
fn emptied(dbs: &[anyhow::Result<Prepared>]) -> Row {
    Case::new("an emptied database (a server restarted without persistence)").on_each(dbs, |prepared| {
        let empty = Dump::new();
        prepared.db.load(&empty)?;
        refused(&prepared.db, &empty, &["upgrade"], &["holds no df-schema state", "may be the wrong one"])
    })
}

/// A redb file cut short: a clear error, not a panic inside redb, and the file as it was.
fn damaged_file(dbs: &[anyhow::Result<Prepared>]) -> Row {
    let mut case = Case::new("a damaged redb file (cut in half)");
    for prepared in only(dbs, true) {
        case.check("redb", || {
            let Kind::Redb(path) = &prepared.db.kind else { anyhow::bail!("not redb") };
            prepared.db.load(&prepared.base)?;
            let bytes = std::fs::read(path)?;
            let damaged = &bytes[..bytes.len() / 2];
            std::fs::write(path, damaged)?;
            let finished = prepared.db.runner().run(&["upgrade"])?;
            let failure = judge(&finished, &["the file is damaged", "restore the file from a copy"]);
            let after = std::fs::read(path)?;
            Ok(failure.or_else(|| (after != damaged).then(|| "the refused upgrade changed the file".to_owned())))
        });
    }
    case.finish()
}

/// `export` given the live redb file as its output: refused, the database intact.
fn export_over_the_database(dbs: &[anyhow::Result<Prepared>]) -> Row {
    let mut case = Case::new("an export onto the live database file");
    for prepared in only(dbs, true) {
        case.check("redb", || {
            let Kind::Redb(path) = &prepared.db.kind else { anyhow::bail!("not redb") };
            prepared.db.load(&prepared.base)?;
            refused(&prepared.db, &prepared.base, &["export", &path.display().to_string()], &["is the database file itself (--db)"])
        });
    }
    case.finish()
}
