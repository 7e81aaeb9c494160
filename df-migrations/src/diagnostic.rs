//! Errors and problems in a form scripts can act on: a stable code, the ids involved and
//! the message. The runner prints these under `--format json`; the codes are part of its
//! contract, so a variant's code never changes once released (a new variant gets a new one).

use crate::error::{EngineError, Invalid};
use crate::layout::LayoutError;
use crate::plan::{PlanProblem, PlanRefused};
use crate::store::StoreError;
use crate::transfer::TransferError;
use serde::Serialize;

/// One refusal, failure or problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Diagnostic {
    /// What went wrong, as a stable `snake_case` code (`not_initialized`, `locked`, …).
    pub code: &'static str,
    /// The message a person reads.
    pub message: String,
    /// The ids involved.
    pub ids: Ids,
    /// Where one refusal has several causes (every disagreement of a refused plan, the
    /// first objects that do not decode), each of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Diagnostic>,
}

/// The ids a diagnostic involves; each is present only where it applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Ids {
    /// The store, as it describes itself (passwords redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// A model's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A model's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// A migration's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
    /// A release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// A table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// A stored key, or an object's id within its table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Ids {
    fn store(store: &str) -> Ids {
        Ids { store: Some(store.to_owned()), ..Ids::default() }
    }
}

impl Diagnostic {
    /// A diagnostic without details.
    pub fn new(code: &'static str, message: impl Into<String>, ids: Ids) -> Diagnostic {
        Diagnostic { code, message: message.into(), ids, details: Vec::new() }
    }

    fn with_details(mut self, details: Vec<Diagnostic>) -> Diagnostic {
        self.details = details;
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<&StoreError> for Diagnostic {
    fn from(error: &StoreError) -> Diagnostic {
        let message = error.to_string();
        match error {
            StoreError::Missing { store } => Diagnostic::new("database_missing", message, Ids::store(store)),
            StoreError::Backend { store, .. } => Diagnostic::new("store_failed", message, Ids::store(store)),
            StoreError::Key { store, key, .. } => {
                Diagnostic::new("store_key_failed", message, Ids { key: Some(key.clone()), ..Ids::store(store) })
            }
        }
    }
}

impl From<&PlanProblem> for Diagnostic {
    fn from(problem: &PlanProblem) -> Diagnostic {
        let message = problem.to_string();
        let model = |model: &str, version: u32| Ids { model: Some(model.to_owned()), version: Some(version), ..Ids::default() };
        match problem {
            PlanProblem::UnknownMigration { id } => {
                Diagnostic::new("unknown_migration", message, Ids { migration: Some(id.clone()), ..Ids::default() })
            }
            PlanProblem::ModelAhead { model: name, database, .. } => Diagnostic::new("model_ahead", message, model(name, *database)),
            PlanProblem::UnknownModel { model: name, version } => Diagnostic::new("unknown_model", message, model(name, *version)),
            PlanProblem::FingerprintMismatch { model: name, version, .. } => {
                Diagnostic::new("fingerprint_mismatch", message, model(name, *version))
            }
            PlanProblem::ChecksumChanged { id, .. } => {
                Diagnostic::new("checksum_changed", message, Ids { migration: Some(id.clone()), ..Ids::default() })
            }
        }
    }
}

impl From<&PlanRefused> for Diagnostic {
    fn from(refused: &PlanRefused) -> Diagnostic {
        Diagnostic::new("plan_refused", refused.to_string(), Ids::default()).with_details(refused.problems.iter().map(Into::into).collect())
    }
}

impl From<&TransferError> for Diagnostic {
    fn from(error: &TransferError) -> Diagnostic {
        let code = match error {
            TransferError::Io(_) => "export_io",
            TransferError::Malformed { .. } => "export_malformed",
            TransferError::Truncated { .. } => "export_truncated",
            TransferError::Corrupted { .. } => "export_corrupted",
        };
        Diagnostic::new(code, error.to_string(), Ids::default())
    }
}

/// An object that does not decode: its model (`LogicalPort v5`) and key.
fn invalid(code: &'static str, invalid: &Invalid) -> Diagnostic {
    let (model, version) = match invalid.model.rsplit_once(" v") {
        Some((model, version)) => (Some(model.to_owned()), version.parse().ok()),
        None => (None, None),
    };
    let ids = Ids { model, version, key: Some(invalid.key.clone()), ..Ids::default() };
    Diagnostic::new(code, format!("{} {}: {}", invalid.model, invalid.key, invalid.reason), ids)
}

fn layout(error: &LayoutError, store: &str) -> Ids {
    Ids { key: Some(error.key.clone()), ..Ids::store(store) }
}

impl From<&EngineError> for Diagnostic {
    fn from(error: &EngineError) -> Diagnostic {
        let message = error.to_string();
        let at_store = |code, store: &String| Diagnostic::new(code, message.clone(), Ids::store(store));
        match error {
            EngineError::Store(store) => store.into(),
            EngineError::Plan(refused) => refused.into(),
            EngineError::Layout(layout_error, store) => Diagnostic::new("bad_key", message, layout(layout_error, store)),
            EngineError::BadValue { store, key, .. } => {
                Diagnostic::new("bad_value", message, Ids { key: Some(key.clone()), ..Ids::store(store) })
            }
            EngineError::Locked { store, .. } => at_store("locked", store),
            EngineError::LeaseLost { store } => at_store("lease_lost", store),
            EngineError::NotBaselined { store, .. } => at_store("not_baselined", store),
            EngineError::NotInitialized { store } => at_store("not_initialized", store),
            EngineError::Stopped { store } => at_store("stopped", store),
            EngineError::AlreadyBaselined { store } => at_store("already_baselined", store),
            EngineError::OtherLayout { store, .. } => at_store("other_layout", store),
            EngineError::NotEmpty { store, .. } => at_store("not_empty", store),
            EngineError::NothingToRollBack { store, .. } => at_store("nothing_to_roll_back", store),
            EngineError::ObjectsLost { store, .. } => at_store("objects_lost", store),
            EngineError::NoRoom { store, .. } => at_store("no_room", store),
            EngineError::Expiring { store, key, .. } => Diagnostic::new("expiring", message, Ids { key: Some(key.clone()), ..Ids::store(store) }),
            EngineError::LiveHosts { store, key, .. } => Diagnostic::new("live_hosts", message, Ids { key: Some(key.clone()), ..Ids::store(store) }),
            EngineError::ForeignWrites { store, keys, .. } => Diagnostic::new("foreign_writes", message, Ids { key: keys.first().cloned(), ..Ids::store(store) }),
            EngineError::MidCommit { store, key } => Diagnostic::new("mid_commit", message, Ids { key: Some(key.clone()), ..Ids::store(store) }),
            EngineError::MidCommitExport { key } => Diagnostic::new("mid_commit_export", message, Ids { key: Some(key.clone()), ..Ids::default() }),
            EngineError::WrittenSince { store } => at_store("written_since", store),
            EngineError::AlreadyAtRelease { store, release } => {
                Diagnostic::new("already_at_release", message, Ids { release: Some(release.clone()), ..Ids::store(store) })
            }
            EngineError::UpgradeStraddles { store, release, .. } => {
                Diagnostic::new("upgrade_straddles_release", message, Ids { release: Some(release.clone()), ..Ids::store(store) })
            }
            EngineError::ImagePruned { store, .. } => at_store("image_pruned", store),
            EngineError::Migration { id, error: migration_error } => {
                let (table, key) = migration_error.location();
                let ids = Ids { migration: Some(id.clone()), table, key, ..Ids::default() };
                Diagnostic::new("migration_failed", message, ids)
            }
            EngineError::MigrationPanicked { id, at, .. } => {
                let (table, key) = at.clone().unzip();
                Diagnostic::new("migration_panicked", message, Ids { migration: Some(id.clone()), table, key, ..Ids::default() })
            }
            EngineError::Invalid { first, .. } => Diagnostic::new("invalid_objects", message, Ids::default())
                .with_details(first.iter().map(|i| invalid("invalid_object", i)).collect()),
            EngineError::Unstorable { first, .. } => Diagnostic::new("unstorable_ids", message, Ids::default())
                .with_details(first.iter().map(|i| Diagnostic::new("unstorable_id", format!("{}: {}", i.model, i.reason), Ids { key: Some(i.key.clone()), ..Ids::default() })).collect()),
            EngineError::BaselineMismatch { store, mismatches, .. } => Diagnostic::new("baseline_mismatch", message, Ids::store(store))
                .with_details(mismatches.iter().map(|i| invalid("shape_mismatch", i)).collect()),
            EngineError::UnknownRelease { release, .. } | EngineError::NoReleases { release } => {
                Diagnostic::new("unknown_release", message, Ids { release: Some(release.clone()), ..Ids::default() })
            }
            EngineError::NotAcceptable { store, id, .. } => {
                Diagnostic::new("not_acceptable", message, Ids { migration: Some(id.clone()), ..Ids::store(store) })
            }
            EngineError::UnknownModel { model, .. } => {
                Diagnostic::new("unknown_model", message, Ids { model: Some(model.clone()), ..Ids::default() })
            }
            EngineError::UnknownVersion { model, version, .. } => {
                Diagnostic::new("unknown_version", message, Ids { model: Some(model.clone()), version: Some(*version), ..Ids::default() })
            }
            EngineError::NothingToBaseline { every } => {
                Diagnostic::new("nothing_to_baseline", message, Ids { version: *every, ..Ids::default() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_plan_lists_each_problem_with_its_ids() {
        let refused = PlanRefused {
            problems: vec![
                PlanProblem::UnknownMigration { id: "m-9".into() },
                PlanProblem::ModelAhead { model: "Host".into(), database: 4, build: 3 },
            ],
        };
        let diagnostic = Diagnostic::from(&EngineError::Plan(refused));
        assert_eq!(diagnostic.code, "plan_refused");
        let codes: Vec<_> = diagnostic.details.iter().map(|d| (d.code, d.ids.migration.as_deref(), d.ids.model.as_deref(), d.ids.version)).collect();
        assert_eq!(codes, [("unknown_migration", Some("m-9"), None, None), ("model_ahead", None, Some("Host"), Some(4))]);
    }

    #[test]
    fn an_invalid_object_names_its_model_version_and_key() {
        let first = vec![Invalid { model: "LogicalPort v5".into(), key: "{lport}p1".into(), reason: "missing field".into() }];
        let diagnostic = Diagnostic::from(&EngineError::Invalid { total: 3, first });
        assert_eq!(diagnostic.code, "invalid_objects");
        let detail = &diagnostic.details[0];
        assert_eq!((detail.ids.model.as_deref(), detail.ids.version, detail.ids.key.as_deref()), (Some("LogicalPort"), Some(5), Some("{lport}p1")));
        assert_eq!(serde_json::to_value(&diagnostic.ids).unwrap(), serde_json::json!({}), "ids that do not apply are left out");
    }

    #[test]
    fn a_store_error_keeps_the_store_and_key() {
        let error = EngineError::Store(StoreError::Key { store: "redis://:***@h/0".into(), key: "k".into(), message: "gone".into() });
        let diagnostic = Diagnostic::from(&error);
        assert_eq!((diagnostic.code, diagnostic.ids.store.as_deref(), diagnostic.ids.key.as_deref()), ("store_key_failed", Some("redis://:***@h/0"), Some("k")));
    }
}
