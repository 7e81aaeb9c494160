//! Rule 6 across a whole crate: every model in the lock is either still declared in code
//! or removed by a migration. A proc macro only sees the item it is attached to and cannot
//! notice that a struct disappeared, so this check runs over the linked registry (in the
//! crate's own `cargo test` through `df_schema::check_schema_lock!()`, and in the runner).

use crate::lock::Lock;
use std::fmt;

/// A model the lock and the code disagree about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoverageError {
    /// A recorded model has no struct any more and no migration removes its table.
    RemovedWithoutMigration {
        /// The model's name.
        model: String,
        /// Its latest recorded version.
        version: u32,
        /// That version's table, which deployed databases still hold.
        table: String,
    },
    /// A removal migration names a model that is still declared.
    RemovesLiveModel {
        /// The migration's id.
        migration: String,
        /// The model it removes.
        model: String,
    },
    /// A removal migration names a model the lock never recorded.
    RemovesUnknownModel {
        /// The migration's id.
        migration: String,
        /// The model it removes.
        model: String,
    },
    /// The lock records the shape of an embedded struct that the code no longer declares.
    StaleEmbedded {
        /// The embedded struct's name.
        name: String,
    },
}

impl fmt::Display for CoverageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoverageError::RemovedWithoutMigration { model, version, table } => write!(
                f,
                "{model} (recorded up to v{version}, table `{table}`) is in the schema lock but no \
                 longer in the code, and no migration removes it: deployed databases still hold \
                 its objects. Add `#[migration(removes = \"{model}\", release = \"…\", proposed_at = \"…\", \
                 description = \"…\")]` on a function that moves or deletes table `{table}`"
            ),
            CoverageError::RemovesLiveModel { migration, model } => write!(
                f,
                "migration `{migration}` removes {model}, but {model} is still declared with #[df_model]: \
                 delete the struct, or the migration"
            ),
            CoverageError::RemovesUnknownModel { migration, model } => write!(
                f,
                "migration `{migration}` removes {model}, but the schema lock never recorded a model \
                 of that name"
            ),
            CoverageError::StaleEmbedded { name } => write!(
                f,
                "the schema lock records the embedded struct {name}, which the code no longer declares \
                 (model versions keep their own copy of every shape, so nothing needs it): drop the \
                 record with `DF_SCHEMA_BLESS=1 cargo test`"
            ),
        }
    }
}

/// Checks that the lock's models are all accounted for. `declared` are the model names
/// in code; `removals` are `(migration id, removed model)` pairs; `embedded` are the
/// embedded struct names in code.
pub fn check_lock_coverage(
    lock: &Lock,
    declared: &[&str],
    removals: &[(&str, &str)],
    embedded: &[&str],
) -> Vec<CoverageError> {
    let mut errors = Vec::new();
    for name in lock.embedded.keys().filter(|name| !embedded.contains(&name.as_str())) {
        errors.push(CoverageError::StaleEmbedded { name: name.clone() });
    }
    for (model, history) in &lock.models {
        let removed = removals.iter().any(|(_, m)| m == model);
        if !declared.contains(&model.as_str()) && !removed {
            if let Some((version, record)) = history.latest() {
                errors.push(CoverageError::RemovedWithoutMigration {
                    model: model.clone(),
                    version,
                    table: record.schema.table.clone(),
                });
            }
        }
    }
    for (migration, model) in removals {
        let error = if declared.contains(model) {
            CoverageError::RemovesLiveModel { migration: (*migration).into(), model: (*model).into() }
        } else if !lock.models.contains_key(*model) {
            CoverageError::RemovesUnknownModel { migration: (*migration).into(), model: (*model).into() }
        } else {
            continue;
        };
        errors.push(error);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ModelHistory, VersionRecord, VersionSchema};

    fn lock(models: &[(&str, &str)]) -> Lock {
        let mut lock = Lock::default();
        for (name, table) in models {
            let mut history = ModelHistory::default();
            history.versions.insert(1, VersionRecord::new(VersionSchema::new((*table).into(), None, vec![])));
            lock.models.insert((*name).into(), history);
        }
        lock
    }

    #[test]
    fn every_recorded_model_is_declared_or_removed() {
        let lock = lock(&[("Chassis", "chassis"), ("Legacy", "legacy")]);
        assert_eq!(
            check_lock_coverage(&lock, &["Chassis"], &[], &[]),
            [CoverageError::RemovedWithoutMigration { model: "Legacy".into(), version: 1, table: "legacy".into() }]
        );
        assert!(check_lock_coverage(&lock, &["Chassis"], &[("m1", "Legacy")], &[]).is_empty());
        let message = check_lock_coverage(&lock, &["Chassis"], &[], &[])[0].to_string();
        assert!(message.contains("#[migration(removes = \"Legacy\""), "{message}");
    }

    #[test]
    fn embedded_records_of_deleted_structs_are_stale() {
        let mut lock = lock(&[]);
        lock.embedded.insert("HostRoute".into(), "{a: str}".parse().unwrap());
        lock.embedded.insert("DhcpOption".into(), "{tag: int}".parse().unwrap());
        assert_eq!(
            check_lock_coverage(&lock, &[], &[], &["HostRoute"]),
            [CoverageError::StaleEmbedded { name: "DhcpOption".into() }]
        );
    }

    #[test]
    fn removals_must_name_a_dead_recorded_model() {
        let lock = lock(&[("Chassis", "chassis")]);
        let errors = check_lock_coverage(&lock, &["Chassis"], &[("m1", "Chassis"), ("m2", "Ghost")], &[]);
        assert_eq!(
            errors,
            [
                CoverageError::RemovesLiveModel { migration: "m1".into(), model: "Chassis".into() },
                CoverageError::RemovesUnknownModel { migration: "m2".into(), model: "Ghost".into() },
            ]
        );
    }
}
