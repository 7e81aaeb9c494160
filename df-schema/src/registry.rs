//! The models and migrations linked into a program, collected with `inventory`.
//!
//! Every `#[df_model]` and `#[migration]` submits an entry. Entries exist only in crates
//! that are linked: a binary must name each model crate once, e.g. `use my_models as _;`,
//! or the crate (and its entries) is not part of the program at all. Once a crate is
//! linked, rustc (1.62 and later) keeps all of its entries.

use crate::nb_api::EngineNb;
use crate::{MigrationError, Model, NbApi, Object};
use df_schema_core::compat::Cover;
use df_schema_core::ModelHistory;
use std::collections::BTreeMap;

/// A registered model.
#[derive(Debug)]
pub struct ModelEntry {
    /// The struct name, which identifies the model in the lock and in the database.
    pub name: &'static str,
    /// The table its objects are stored in at the head version.
    pub table: &'static str,
    /// The head version.
    pub version: u32,
    /// The head version's schema fingerprint, as the lock records it.
    pub fingerprint: &'static str,
    /// Whether objects carry a `topic` (their partition in the key).
    pub has_topic: bool,
    /// Every recorded version, from the lock the model was checked against.
    pub history: fn() -> &'static ModelHistory,
    /// Decodes a stored object's JSON as the head version, strictly: a member the head
    /// does not have fails it too (see [`decode_strict`]). Returns the reason on failure.
    pub decode: fn(&[u8]) -> Result<(), String>,
    /// The Rust module that declares the model, for messages about colliding models.
    pub module_path: &'static str,
    /// The schema lock the model was checked against.
    pub lock: &'static str,
}

impl ModelEntry {
    /// The entry of model `M`, declared in `module_path` and checked against `lock`: what
    /// `#[df_model]` submits.
    pub const fn of<M: Model>(module_path: &'static str, lock: &'static str) -> ModelEntry {
        ModelEntry {
            name: M::NAME,
            table: M::TABLE,
            version: M::VERSION,
            fingerprint: M::FINGERPRINT,
            has_topic: M::HAS_TOPIC,
            history: M::history,
            decode: decode_strict::<M>,
            module_path,
            lock,
        }
    }

    /// The table a per-object step to version `to` runs on: the one both `to - 1` and
    /// `to` are stored in. A step that moves the model to another table moves objects,
    /// which takes the whole database: the error says so, ready for a `MigrationError`.
    pub fn per_object_table(&self, to: u32) -> Result<&'static str, MigrationError> {
        let history = (self.history)();
        let table = |version| history.versions.get(&version).map(|v| v.schema.table.as_str());
        match (table(to.wrapping_sub(1)), table(to)) {
            (Some(old), Some(new)) if old == new => Ok(new),
            (Some(old), Some(new)) => Err(MigrationError::table(
                old,
                format!("{} moves from table `{old}` to `{new}`, which a per-object migration cannot do: take `nb: &mut NbApi` and call `nb.move_table(\"{old}\", \"{new}\")`", self.name),
            )),
            _ => Err(MigrationError::table(self.table, format!("{} has no recorded versions {} and {to}", self.name, to.wrapping_sub(1)))),
        }
    }
}

/// Decodes `json` as `M` and refuses any member `M` does not have, naming its path.
///
/// Generated models ignore unknown members when they decode, so that code one version
/// behind reads objects a newer version added fields to (see `df_schema::core::compat`).
/// Validation must still notice a member no model version stores, so it reads through
/// `serde_ignored`, which reports every member the model skipped.
pub fn decode_strict<M: Model>(json: &[u8]) -> Result<(), String> {
    let mut unknown = None;
    let mut reader = serde_json::Deserializer::from_slice(json);
    let decoded = serde_ignored::deserialize::<_, _, M>(&mut reader, |path| {
        unknown.get_or_insert_with(|| path.to_string());
    });
    decoded.and_then(|_| reader.end()).map_err(|e| e.to_string())?;
    match unknown {
        None => Ok(()),
        Some(path) => Err(format!("unknown member `{path}`: v{} of {} has no such field", M::VERSION, M::NAME)),
    }
}

/// What a migration migrates.
#[derive(Debug, Clone, Copy)]
pub enum MigrationTarget {
    /// The step of `model` from `to - 1` to `to`.
    Step {
        /// The model's name.
        model: &'static str,
        /// The version the step reaches.
        to: u32,
    },
    /// The removal of a model that the code no longer declares.
    Removes {
        /// The removed model's name.
        model: &'static str,
        /// Its versions as the lock records them: what `baseline` checks the objects of a
        /// database that still holds it against.
        history: fn() -> &'static ModelHistory,
    },
}

/// A registered hand-written migration.
#[derive(Debug)]
pub struct MigrationEntry {
    /// The migration's id in the `schema_migration` log: `#[migration(id = …)]`, or the
    /// function name in kebab case.
    pub id: &'static str,
    /// The step or removal it performs.
    pub target: MigrationTarget,
    /// The release label it belongs to (`""` without one).
    pub release: &'static str,
    /// RFC 3339, UTC.
    pub proposed_at: &'static str,
    /// What it does, for the log and for operators.
    pub description: &'static str,
    /// Digest of the function's tokens, to notice a migration changed after it was applied.
    pub checksum: &'static str,
    /// The function.
    pub run: MigrationFn,
    /// The tables a whole-database migration declared it reads or writes
    /// (`#[migration(tables = […])]`), if it did. The engine then runs it on those tables
    /// alone, refusing any other, and may run other tables' steps before it.
    pub tables: Option<&'static [&'static str]>,
    /// The schema lock of the crate that declares it.
    pub lock: &'static str,
    /// For a per-object migration, the function that undoes it on one object
    /// (`#[migration(down = …)]`), if it has one: what lets head code write objects for
    /// code at the step's old version (see [`crate::convert`]).
    pub down: Option<EachFn>,
}

/// A function that changes one object of a model's table: `fn(id, object)`.
pub type EachFn = fn(&str, &mut Object) -> Result<(), MigrationError>;

/// What a hand-written migration's function works on, as its signature says.
#[derive(Debug, Clone, Copy)]
pub enum MigrationFn {
    /// The whole database: `fn(nb: &mut NbApi)`, for steps that read other objects,
    /// create or delete objects, move tables or keep counters.
    Whole(fn(&mut NbApi) -> Result<(), MigrationError>),
    /// One object of the model's table at a time: `fn(id: &str, object: &mut Object)`.
    /// The engine runs consecutive steps of this kind, and recorded defaults, as one pass
    /// over each table, on every core.
    Each(EachFn),
}

impl MigrationEntry {
    /// What the migration is to the compatibility rules: a per-object or a whole-database
    /// migration, as its signature says.
    pub fn cover(&self) -> Cover {
        let migration = self.id.to_owned();
        match self.run {
            MigrationFn::Each(_) => Cover::EachObject { migration },
            MigrationFn::Whole(_) => Cover::WholeDatabase { migration },
        }
    }

    /// Runs the migration alone on a whole database (on its declared tables alone, if it
    /// declared them, refusing any other); a per-object one on every object of its
    /// model's table (the engine itself runs them in shared passes).
    pub fn run(&self, nb: &mut NbApi) -> Result<(), MigrationError> {
        let each = match (self.run, self.tables) {
            (MigrationFn::Whole(f), Some(tables)) => return nb.within(tables, f),
            (MigrationFn::Whole(f), None) => return f(nb),
            (MigrationFn::Each(f), _) => f,
        };
        let MigrationTarget::Step { model, to } = self.target else {
            return Err(MigrationError::table("", format!("migration `{}` removes a model, which takes the whole database", self.id)));
        };
        let entry = models().into_iter().find(|m| m.name == model);
        let entry = entry.ok_or_else(|| MigrationError::table("", format!("migration `{}`: {model} is not in this program", self.id)))?;
        nb.update_each_par(entry.per_object_table(to)?, each)
    }
}

/// A registered `#[df_embedded]` struct, so that the lock's `embedded` records of
/// deleted structs can be found.
#[derive(Debug)]
pub struct EmbeddedEntry {
    /// The struct name, as the lock's `embedded` records name it.
    pub name: &'static str,
    /// The schema lock of the crate that declares it.
    pub lock: &'static str,
}

inventory::collect!(ModelEntry);
inventory::collect!(MigrationEntry);
inventory::collect!(EmbeddedEntry);

/// The models linked into this program, sorted by name.
pub fn models() -> Vec<&'static ModelEntry> {
    let mut models: Vec<_> = inventory::iter::<ModelEntry>.into_iter().collect();
    models.sort_by_key(|m| m.name);
    models
}

/// The migrations linked into this program, sorted by id.
pub fn migrations() -> Vec<&'static MigrationEntry> {
    let mut migrations: Vec<_> = inventory::iter::<MigrationEntry>.into_iter().collect();
    migrations.sort_by_key(|m| m.id);
    migrations
}

/// The step migrations among `migrations`, by the step each carries out: its model's
/// name and the version it reaches. A removal carries out no step of a live model.
pub fn by_step(migrations: &[&'static MigrationEntry]) -> BTreeMap<(&'static str, u32), &'static MigrationEntry> {
    migrations
        .iter()
        .filter_map(|m| match m.target {
            MigrationTarget::Step { model, to } => Some(((model, to), *m)),
            MigrationTarget::Removes { .. } => None,
        })
        .collect()
}

/// The key layout of the models linked into this program: the one their crate declares
/// with [`key_layout!`](crate::key_layout), else Dragonflow's. (More than one is a
/// collision, see [`collisions`]; this then returns the first.)
pub fn layout() -> crate::KeyLayout {
    crate::key_layout::declared().first().map_or(crate::KeyLayout::Dragonflow, |(_, layout)| *layout)
}

/// What collides among the models linked into this program (see
/// [`df_schema_core::check_model_set`]): two models with one name or one table, a model
/// in a reserved table, a release label of two model sets. Empty when the program links
/// one coherent model set (or several that stay apart).
pub fn collisions() -> Vec<df_schema_core::ModelSetError> {
    let krate = |module_path: &'static str| module_path.split("::").next().unwrap_or(module_path);
    let models = models();
    let linked: Vec<_> = models
        .iter()
        .map(|m| df_schema_core::LinkedModel { name: m.name, table: m.table, krate: krate(m.module_path), lock: m.lock })
        .collect();
    let mut releases = Vec::new();
    for m in &models {
        for version in (m.history)().versions.values() {
            if let Some(release) = &version.schema.release {
                releases.push(df_schema_core::LinkedRelease { release, krate: krate(m.module_path), lock: m.lock });
            }
        }
    }
    for m in migrations() {
        // A migration's id need not name its crate; the models of its lock do.
        let owner = models.iter().find(|model| model.lock == m.lock).map_or(m.lock, |model| krate(model.module_path));
        releases.push(df_schema_core::LinkedRelease { release: m.release, krate: owner, lock: m.lock });
    }
    let layouts: Vec<_> = crate::key_layout::declared()
        .into_iter()
        .map(|(krate, layout)| df_schema_core::LinkedLayout { label: layout.label(), krate })
        .collect();
    df_schema_core::check_model_set(&linked, &releases, &layouts)
}

/// The embedded structs linked into this program, sorted by name.
pub fn embedded() -> Vec<&'static EmbeddedEntry> {
    let mut embedded: Vec<_> = inventory::iter::<EmbeddedEntry>.into_iter().collect();
    embedded.sort_by_key(|e| e.name);
    embedded
}
