//! `upgrade --accept-changed`: the operator's word that an applied migration's edited
//! code is harmless. Only a migration that was applied and whose code did change can be
//! accepted, so that a typo is refused rather than silently ignored; each acceptance is a
//! row of the migration log, so that `history` shows who let what through, and it is
//! committed even when no step is pending.

use crate::error::EngineError;
use crate::linked::Build;
use crate::plan::changed_migrations;
use crate::records::{EngineState, LogRow};
use std::collections::BTreeSet;

/// One accepted change: the migration and its checksums then and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// The migration's id.
    pub id: String,
    /// Its checksum when it was applied (or last accepted).
    pub then: String,
    /// This build's checksum.
    pub now: &'static str,
    /// Its release label (`""` without one).
    pub release: &'static str,
}

/// The acceptances `ids` asks for, refusing an id that is not an applied migration whose
/// code changed (naming those that are).
pub fn check(state: &EngineState, build: &Build, ids: &BTreeSet<String>, store: &str) -> Result<Vec<Acceptance>, EngineError> {
    let changed: Vec<(&str, &str, &'static str)> = changed_migrations(state, build).collect();
    let mut acceptances = Vec::new();
    for id in ids {
        let refuse = |reason: String| EngineError::NotAcceptable {
            store: store.to_owned(),
            id: id.clone(),
            reason,
            changed: changed.iter().map(|(id, _, _)| format!("`{id}`")).collect::<Vec<_>>().join(", "),
        };
        let Some(migration) = build.migration(id) else {
            return Err(refuse("this build has no migration of that id".to_owned()));
        };
        if !state.applied.contains_key(id) {
            return Err(refuse("the database has not applied it, so it has no applied code to differ from".to_owned()));
        }
        let Some((_, then, now)) = changed.iter().find(|(changed, _, _)| changed == id) else {
            return Err(refuse("its code is the same as when it was applied".to_owned()));
        };
        acceptances.push(Acceptance { id: id.clone(), then: (*then).to_owned(), now, release: migration.release });
    }
    Ok(acceptances)
}

/// Records `acceptances` in `state` and returns their log rows.
pub fn apply(state: &mut EngineState, acceptances: &[Acceptance], applied_at: &str) -> Vec<LogRow> {
    acceptances
        .iter()
        .map(|acceptance| {
            if let Some(applied) = state.applied.get_mut(&acceptance.id) {
                applied.checksum = Some(acceptance.now.to_owned());
            }
            LogRow {
                // The new checksum keeps two acceptances of one migration apart.
                id: format!("accepted/{}/{}", acceptance.id, short(acceptance.now)),
                release: acceptance.release.to_owned(),
                description: format!(
                    "accepted the changed code of migration `{}` (checksum {} when applied, {} now)",
                    acceptance.id,
                    short(&acceptance.then),
                    short(acceptance.now)
                ),
                proposed_at: applied_at.to_owned(),
                applied_at: applied_at.to_owned(),
            }
        })
        .collect()
}

/// The first 12 digits of a checksum, enough to tell two apart in a log.
fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linked::test_build::{self, test_model};
    use crate::records::AppliedState;
    use df_schema::KeyLayout;

    fn build() -> Build {
        let host = test_model!("Host", "host", &[("1.0", &["id"][..]), ("2.0", &["id", "name"][..])]);
        let names = test_build::step("host-names", "Host", 2, "2026-01-01T00:00:00Z");
        Build { models: vec![host], migrations: vec![names], layout: KeyLayout::Dragonflow }
    }

    fn applied(checksum: &str) -> EngineState {
        let mut state = EngineState::default();
        state.applied.insert("host-names".to_owned(), AppliedState { checksum: Some(checksum.to_owned()) });
        state.applied.insert("auto/Host/v1".to_owned(), AppliedState::default());
        state
    }

    fn refused(state: &EngineState, id: &str) -> String {
        let ids = BTreeSet::from([id.to_owned()]);
        check(state, &build(), &ids, "memory:").err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn only_an_applied_migration_whose_code_changed_is_accepted() {
        let ids = BTreeSet::from(["host-names".to_owned()]);
        let accepted = check(&applied("sum-before-edit"), &build(), &ids, "memory:").unwrap();
        assert_eq!(accepted, [Acceptance { id: "host-names".into(), then: "sum-before-edit".into(), now: "sum-host-names", release: "x" }]);

        let unchanged = refused(&applied("sum-host-names"), "host-names");
        assert!(unchanged.contains("cannot accept `host-names` on memory:: its code is the same as when it was applied"), "{unchanged}");
        assert!(unchanged.ends_with("applied migrations whose code changed: none"), "{unchanged}");
        let typo = refused(&applied("sum-before-edit"), "host-name");
        assert!(typo.contains("cannot accept `host-name` on memory:: this build has no migration of that id"), "{typo}");
        assert!(typo.ends_with("applied migrations whose code changed: `host-names`"), "{typo}");
        let pending = refused(&EngineState::default(), "host-names");
        assert!(pending.contains("the database has not applied it"), "{pending}");
        let automatic = refused(&applied("sum-before-edit"), "auto/Host/v1");
        assert!(automatic.contains("this build has no migration of that id"), "{automatic}");
    }

    #[test]
    fn an_acceptance_updates_the_checksum_and_is_logged() {
        let mut state = applied("sum-before-edit");
        let acceptance = Acceptance { id: "host-names".into(), then: "sum-before-edit".into(), now: "sum-host-names", release: "x" };
        let rows = apply(&mut state, &[acceptance], "2026-12-03T07:00:00Z");
        assert_eq!(state.applied["host-names"].checksum.as_deref(), Some("sum-host-names"));
        assert_eq!(rows[0].id, "accepted/host-names/sum-host-nam");
        assert_eq!(rows[0].description, "accepted the changed code of migration `host-names` (checksum sum-before-e when applied, sum-host-nam now)");
        assert_eq!((rows[0].release.as_str(), rows[0].applied_at.as_str()), ("x", "2026-12-03T07:00:00Z"));
    }
}
