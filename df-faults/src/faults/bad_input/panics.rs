//! A migration that panics must be reported with its id and the object it was on, and
//! nothing written.
//!
//! Of Dragonflow's own migrations, the only input found that makes one panic is a
//! unique-key counter at `i64::MAX` (the `data` case of that name): `NbApi` then
//! overflows allocating the next key, which panics only in a build with overflow checks.
//! So the engine's handling of a panic is shown here with a stand-in for
//! `lport-v3-binding` that has a plausible bug, run in this process on each database
//! (a runner process links Dragonflow's real migrations only), the way the engine's own
//! test `a_panicking_migration_is_reported_with_the_object_and_nothing_is_written` does
//! on the in-memory store.

use super::{unchanged, Case, Prepared};
use crate::faults::report::Row;
use df_migrations::store::{open, RedisOptions};
use df_migrations::{Build, Engine, UpgradeOptions};
use df_schema::registry::{MigrationEntry, MigrationFn};
use df_testkit::build::with_migration;
use df_schema::{MigrationError, NbApi};
use serde_json::{json, Value};

/// The stand-in's bug: it takes every port to be bound to a chassis, and router ports
/// are not (their `chassis` is null).
fn buggy_binding(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.update_each("lport", |_, port| {
        let chassis = port.get("chassis").and_then(Value::as_str).expect("every port is bound to a chassis").to_owned();
        port.remove("remote_vtep");
        port.insert("binding".to_owned(), json!({"type": "chassis", "chassis": chassis, "vtep_address": null}));
        Ok(())
    })
}

const ID: &str = "lport-v3-binding";

pub fn rows(dbs: &[anyhow::Result<Prepared>]) -> Vec<Row> {
    let case = Case::new("a migration that panics (a stand-in for lport-v3-binding, in process)");
    vec![case.on_each(dbs, |prepared| {
        prepared.db.load(&prepared.base)?;
        let build = with_migration(Build::linked()?, ID, |original| MigrationEntry { run: MigrationFn::Whole(buggy_binding), ..*original })
            .ok_or_else(|| anyhow::anyhow!("this build has no {ID}"))?;
        let mut store = open(&prepared.db.url(), &RedisOptions::default())?;
        // The engine catches the panic; the default hook would still print it, which in
        // the campaign's output would look like the campaign itself crashing.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = Engine::new(store.as_mut(), build).upgrade(&UpgradeOptions::default(), &mut |_| {});
        std::panic::set_hook(hook);
        // The store (and, on redb, its file) is closed before the database is read.
        drop(store);
        let error = match result {
            Ok(_) => return Ok(Some("the upgrade succeeded".to_owned())),
            Err(error) => error.to_string(),
        };
        // The first unbound port the migration meets, whichever it is, is named.
        let (start, end) = (format!("migration `{ID}` panicked on table `lport`, object `port-"), "`: every port is bound to a chassis; nothing was written");
        if !error.starts_with(&start) || !error.ends_with(end) {
            return Ok(Some(format!("expected the error `{start}…{end}`, got {error:?}")));
        }
        Ok(unchanged(&prepared.base, &prepared.db.dump()?))
    })]
}
