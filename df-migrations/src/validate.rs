//! Validation before a commit: every object of every model decodes as the version the
//! model is at after the upgrade (its head: through the model's own `Deserialize`; an
//! older version after `--to`, or a removed model whose removal is still pending: against
//! the recorded shape), and no object is left in a table that no model stores in.
//!
//! Objects are decoded from their JSON bytes, on every core (each object's check is
//! independent of the others).

use crate::build::Build;
use crate::error::{EngineError, Invalid};
use crate::layout::object_key;
use crate::records::EngineState;
use df_schema::core::Ty;
use df_schema::registry::ModelEntry;
use df_schema::{parallel, NbApi, Stored};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many failures an error lists.
pub const LISTED: usize = 20;

/// Objects checked between two progress reports.
const ROUND: usize = 32 * 1024;

enum Check {
    Head(&'static ModelEntry),
    Shape { model: &'static str, version: u32, ty: Ty },
}

/// Failures of one part of the objects: how many, and the first [`LISTED`].
#[derive(Default)]
struct Failures {
    total: usize,
    first: Vec<Invalid>,
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

/// Checks every object; lists the first [`LISTED`] failures and counts all of them.
pub fn validate(nb: &NbApi, build: &Build, state: &EngineState, mut progress: impl FnMut(usize)) -> Result<(), EngineError> {
    let mut checks: BTreeMap<String, Check> = BTreeMap::new();
    for model in &build.models {
        let version = state.models.get(model.name).map_or(model.version, |m| m.version);
        let Some(record) = (model.history)().versions.get(&version) else { continue };
        let check = if version == model.version {
            Check::Head(model)
        } else {
            Check::Shape { model: model.name, version, ty: record.schema.object_ty() }
        };
        checks.insert(record.schema.table.clone(), check);
    }
    // A removed model whose removal is still pending (after `--to`) keeps its objects, in
    // the shape of the version the database has.
    for (model, history) in build.removed() {
        let Some((version, record)) = state.models.get(model).and_then(|m| Some((m.version, history.versions.get(&m.version)?))) else { continue };
        checks.insert(record.schema.table.clone(), Check::Shape { model, version, ty: record.schema.object_ty() });
    }
    let objects: Vec<(&str, &str, &Stored)> = nb.tables().flat_map(|table| nb.iter(table).map(move |(id, stored)| (table, id, stored))).collect();
    let mut failures = Failures::default();
    for (round, chunk) in objects.chunks(ROUND).enumerate() {
        parallel::in_parts(chunk, |part| check_all(part, &checks)).into_iter().for_each(|part| failures.merge(part));
        progress(round * ROUND + chunk.len());
    }
    if failures.total == 0 {
        Ok(())
    } else {
        Err(EngineError::Invalid { total: failures.total, first: failures.first })
    }
}

fn check_all(objects: &[(&str, &str, &Stored)], checks: &BTreeMap<String, Check>) -> Failures {
    let mut failures = Failures::default();
    for &(table, id, stored) in objects {
        let json = match stored.flushed_bytes() {
            Some(bytes) => Cow::Borrowed(bytes),
            None => Cow::Owned(serde_json::to_vec(stored.object()).expect("a JSON map always serializes")),
        };
        let failure = match checks.get(table) {
            None => Some(("(no model)".to_owned(), format!("no model of this build stores objects in table `{table}`"))),
            Some(Check::Head(model)) => (model.decode)(&json).err().map(|reason| (format!("{} v{}", model.name, model.version), reason)),
            Some(Check::Shape { model, version, ty }) => {
                let value = serde_json::from_slice(&json).unwrap_or_default();
                (!ty.accepts(&value)).then(|| (format!("{model} v{version}"), format!("does not have the recorded shape {ty}")))
            }
        };
        if let Some((model, reason)) = failure {
            failures.add(|| Invalid { model, key: object_key(table, stored.topic(), id), reason });
        }
    }
    failures
}
