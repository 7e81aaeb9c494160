//! What this build knows: the models and migrations linked into the program, checked to be
//! one model set, and looked up by name.

use df_schema::core::ModelSetError;
use df_schema::core::ModelHistory;
use df_schema::registry::{self, MigrationEntry, MigrationTarget, ModelEntry};
use df_schema::KeyLayout;
use std::fmt;

/// The models and migrations an engine upgrades to.
#[derive(Debug, Clone)]
pub struct Build {
    /// The models, sorted by name.
    pub models: Vec<&'static ModelEntry>,
    /// The hand-written migrations, sorted by id.
    pub migrations: Vec<&'static MigrationEntry>,
    /// Where the models' keys live (see `df_schema::key_layout`).
    pub layout: KeyLayout,
}

/// The models linked into this program collide, so no database can be upgraded to them
/// (see `df_schema::registry::collisions`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CollidingModels(pub Vec<ModelSetError>);

impl fmt::Display for CollidingModels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this program links models that cannot share one database; nothing was read or written:")?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl Build {
    /// Everything registered in this program (see `df_schema::registry` on linking), once
    /// it is checked to be one coherent model set: no name or table used twice, no
    /// reserved table, no release label shared by two sets.
    pub fn linked() -> Result<Build, CollidingModels> {
        let collisions = registry::collisions();
        if !collisions.is_empty() {
            return Err(CollidingModels(collisions));
        }
        Ok(Build { models: registry::models(), migrations: registry::migrations(), layout: registry::layout() })
    }

    /// The models this build removes, with their recorded histories (as their removal
    /// migrations carry them).
    pub fn removed(&self) -> impl Iterator<Item = (&'static str, &'static ModelHistory)> + '_ {
        self.migrations.iter().filter_map(|m| match m.target {
            MigrationTarget::Removes { model, history } => Some((model, history())),
            MigrationTarget::Step { .. } => None,
        })
    }

    /// Every model's recorded history by name: the declared models', then the removed ones'.
    pub fn histories(&self) -> impl Iterator<Item = (&'static str, &'static ModelHistory)> + '_ {
        self.models.iter().map(|m| (m.name, (m.history)())).chain(self.removed())
    }

    /// The release labels the lock records for the models' versions and the migrations
    /// carry, in release order ([`crate::release_cmp`]), each once.
    pub fn releases(&self) -> Vec<String> {
        let recorded = self.histories().flat_map(|(_, history)| history.versions.values().filter_map(|r| r.schema.release.clone()));
        let carried = self.migrations.iter().map(|m| m.release.to_owned()).filter(|release| !release.is_empty());
        let mut releases: Vec<String> = recorded.chain(carried).collect();
        releases.sort_by(|a, b| crate::plan::release_cmp(a, b));
        releases.dedup();
        releases
    }

    /// Refuses a release label this build does not know, listing those it does (or saying
    /// it has none), so that a mistyped target is not taken for "everything" or "nothing".
    pub fn check_release(&self, release: &str) -> Result<(), crate::EngineError> {
        let known = self.releases();
        if known.is_empty() {
            return Err(crate::EngineError::NoReleases { release: release.to_owned() });
        }
        if !known.iter().any(|k| k == release) {
            return Err(crate::EngineError::UnknownRelease { release: release.to_owned(), known: known.join(", ") });
        }
        Ok(())
    }

    /// The declared model named `name`.
    pub fn model(&self, name: &str) -> Option<&'static ModelEntry> {
        self.models.iter().copied().find(|m| m.name == name)
    }

    /// The hand-written migration with id `id`.
    pub fn migration(&self, id: &str) -> Option<&'static MigrationEntry> {
        self.migrations.iter().copied().find(|m| m.id == id)
    }
}

#[cfg(test)]
pub(crate) mod test_build;
