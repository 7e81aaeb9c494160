//! Checking objects against their models: before a commit (every object of every model
//! decodes as the version the model is at after the upgrade: its head through the
//! model's own `Deserialize`; an older version after `--to`, or a removed model whose
//! removal is still pending, against the recorded shape; and no object is left in a table
//! that no model stores in), in `verify`, and in `baseline`'s sample, all with one
//! [`Checks`].
//!
//! Objects are decoded from their JSON bytes, on every core (each object's check is
//! independent of the others).

use crate::linked::Build;
use crate::error::{EngineError, Invalid};
use crate::layout::object_key;
use crate::records::EngineState;
use df_schema::core::Ty;
use df_schema::registry::ModelEntry;
use df_schema::__private::{parallel, EngineStored};
use df_schema::{NbApi, Stored};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many failures an error lists.
pub const LISTED: usize = 20;

/// Objects checked between two progress reports.
const ROUND: usize = 32 * 1024;

/// What the objects of one table must be.
enum Check {
    /// Decode as the model's head version, through its own `Deserialize`.
    Head(&'static ModelEntry),
    /// Have an older (or a removed model's) version's recorded shape.
    Shape { model: &'static str, version: u32, ty: Ty },
}

impl Check {
    /// Why an object's JSON fails the check, with the model version it was checked as.
    fn failure(&self, json: &[u8]) -> Option<(String, String)> {
        match self {
            Check::Head(model) => (model.decode)(json).err().map(|reason| (format!("{} v{}", model.name, model.version), reason)),
            Check::Shape { model, version, ty } => {
                let value = serde_json::from_slice(json).unwrap_or_default();
                (!ty.accepts(&value)).then(|| (format!("{model} v{version}"), format!("does not have the recorded shape {ty}")))
            }
        }
    }
}

/// The checks of every table: what validation before a commit, `verify` and `baseline`
/// hold objects to, so that all three judge an object the same way.
pub struct Checks {
    by_table: BTreeMap<String, Check>,
    /// Why an object of a table without a check fails.
    unmodelled: String,
}

impl Checks {
    /// The checks of models at the given versions (declared or removed models of `build`;
    /// others are skipped). `unmodelled` says whose models an object outside their tables
    /// lacks ("of this build", "of release 2.0").
    pub fn at<'n>(build: &Build, versions: impl IntoIterator<Item = (&'n str, u32)>, unmodelled: String) -> Checks {
        let mut by_table = BTreeMap::new();
        for (name, version) in versions {
            let check = match build.model(name) {
                Some(model) if model.version == version => Some((model.table.to_owned(), Check::Head(model))),
                Some(model) => (model.history)().versions.get(&version).map(|record| (record.schema.table.clone(), Check::Shape { model: model.name, version, ty: record.schema.object_ty() })),
                None => build.removed().find(|(removed, _)| *removed == name).and_then(|(model, history)| {
                    let record = history.versions.get(&version)?;
                    Some((record.schema.table.clone(), Check::Shape { model, version, ty: record.schema.object_ty() }))
                }),
            };
            if let Some((table, check)) = check {
                by_table.insert(table, check);
            }
        }
        Checks { by_table, unmodelled }
    }

    /// The checks after an upgrade to `state`: every declared model at its version there
    /// (at its head if the state lacks it), and each removed model the state still has
    /// (its removal pending after `--to`) at its version there.
    pub fn after(build: &Build, state: &EngineState) -> Checks {
        let declared = build.models.iter().map(|m| (m.name, state.models.get(m.name).map_or(m.version, |s| s.version)));
        let removed = build.removed().filter_map(|(name, _)| Some((name, state.models.get(name)?.version)));
        Checks::at(build, declared.chain(removed).collect::<Vec<_>>(), "of this build".to_owned())
    }

    /// Checks `objects` (table, id, object), listing the first [`LISTED`] failures.
    pub fn check(&self, objects: &[(&str, &str, &Stored)]) -> Failures {
        let mut failures = Failures::default();
        for &(table, id, stored) in objects {
            let json = match stored.flushed_bytes() {
                Some(bytes) => Cow::Borrowed(bytes),
                None => Cow::Owned(serde_json::to_vec(stored.object()).expect("a JSON map always serializes")),
            };
            let failure = match self.by_table.get(table) {
                None => Some(("(no model)".to_owned(), format!("no model {} stores objects in table `{table}`", self.unmodelled))),
                Some(check) => check.failure(&json),
            };
            if let Some((model, reason)) = failure {
                failures.add(|| Invalid { model, key: object_key(table, stored.topic(), id), reason });
            }
        }
        failures
    }
}

/// Failures of some objects: how many, and the first [`LISTED`].
#[derive(Default)]
pub struct Failures {
    /// How many objects failed.
    pub total: usize,
    /// The first [`LISTED`] of them.
    pub first: Vec<Invalid>,
}

impl Failures {
    fn add(&mut self, invalid: impl FnOnce() -> Invalid) {
        self.total += 1;
        if self.first.len() < LISTED {
            self.first.push(invalid());
        }
    }

    fn merge(&mut self, other: Failures) {
        self.total += other.total;
        self.first.extend(other.first.into_iter().take(LISTED - self.first.len()));
    }
}

/// Checks every object as it is after an upgrade to `state`, on every core; lists the
/// first [`LISTED`] failures and counts all of them.
/// Refuses objects whose ids cannot be stored as keys of the layout and read back as
/// themselves (see [`crate::layout::unstorable`]), such as an id a migration left empty,
/// before anything is written.
pub fn storable(nb: &NbApi) -> Result<(), EngineError> {
    const SHOWN: usize = 10;
    let mut total = 0;
    let mut first = Vec::new();
    for table in nb.tables() {
        for (id, stored) in nb.iter(table) {
            if let Some(reason) = crate::layout::unstorable(table, stored.topic(), id) {
                total += 1;
                if first.len() < SHOWN {
                    let key = object_key(table, stored.topic(), id);
                    first.push(Invalid { model: format!("table `{table}`, id {id:?}"), key, reason: reason.to_owned() });
                }
            }
        }
    }
    if total == 0 {
        Ok(())
    } else {
        Err(EngineError::Unstorable { total, first })
    }
}

pub fn validate(nb: &NbApi, build: &Build, state: &EngineState, mut progress: impl FnMut(usize, usize)) -> Result<(), EngineError> {
    let checks = Checks::after(build, state);
    let objects: Vec<(&str, &str, &Stored)> = nb.tables().flat_map(|table| nb.iter(table).map(move |(id, stored)| (table, id, stored))).collect();
    let mut failures = Failures::default();
    for (round, chunk) in objects.chunks(ROUND).enumerate() {
        for part in parallel::in_parts(chunk, |part| checks.check(part)) {
            failures.merge(part);
        }
        progress(round * ROUND + chunk.len(), objects.len());
    }
    if failures.total == 0 {
        Ok(())
    } else {
        Err(EngineError::Invalid { total: failures.total, first: failures.first })
    }
}
