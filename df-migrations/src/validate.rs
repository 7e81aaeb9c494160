//! Validation before a commit: every object of every model decodes as the version the
//! model is at after the upgrade (its head: through the model's own `Deserialize`; an
//! older version after `--to`: against the recorded shape), and no object is left in a
//! table that no model stores in.

use crate::build::Build;
use crate::error::{EngineError, Invalid};
use crate::layout::Key;
use crate::records::EngineState;
use df_schema::core::Ty;
use df_schema::registry::ModelEntry;
use df_schema::NbApi;
use serde_json::Value;
use std::collections::BTreeMap;

/// How many failures an error lists.
pub const LISTED: usize = 20;

enum Check {
    Head(&'static ModelEntry),
    Shape { model: &'static str, version: u32, ty: Ty },
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
    let mut total = 0;
    let mut first = Vec::new();
    let mut seen = 0;
    for table in nb.tables() {
        let check = checks.get(table);
        for (id, stored) in nb.iter(table) {
            seen += 1;
            progress(seen);
            let object = Value::Object(stored.object.clone());
            let failure = match check {
                None => Some(("(no model)".to_owned(), format!("no model of this build stores objects in table `{table}`"))),
                Some(Check::Head(model)) => (model.decode)(&object).err().map(|reason| (format!("{} v{}", model.name, model.version), reason)),
                Some(Check::Shape { model, version, ty }) => {
                    (!ty.accepts(&object)).then(|| (format!("{model} v{version}"), format!("does not have the recorded shape {ty}")))
                }
            };
            if let Some((model, reason)) = failure {
                total += 1;
                if first.len() < LISTED {
                    first.push(Invalid { model, key: Key::object(table, &stored.topic, id).encode(), reason });
                }
            }
        }
    }
    if total == 0 {
        Ok(())
    } else {
        Err(EngineError::Invalid { total, first })
    }
}
