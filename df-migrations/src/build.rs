//! What this build knows: the models and migrations linked into the program.

use crate::plan::{BuildMigration, BuildModel};
use df_schema::registry::{self, MigrationEntry, ModelEntry};

/// The models and migrations an engine upgrades to.
#[derive(Debug, Clone)]
pub struct Build {
    pub models: Vec<&'static ModelEntry>,
    pub migrations: Vec<&'static MigrationEntry>,
}

impl Build {
    /// Everything registered in this program (see `df_schema::registry` on linking).
    pub fn linked() -> Build {
        Build { models: registry::models(), migrations: registry::migrations() }
    }

    pub fn model(&self, name: &str) -> Option<&'static ModelEntry> {
        self.models.iter().copied().find(|m| m.name == name)
    }

    pub fn migration(&self, id: &str) -> Option<&'static MigrationEntry> {
        self.migrations.iter().copied().find(|m| m.id == id)
    }

    pub fn plan_models(&self) -> Vec<BuildModel> {
        self.models.iter().map(|m| BuildModel::from(*m)).collect()
    }

    pub fn plan_migrations(&self) -> Vec<BuildMigration> {
        self.migrations.iter().map(|m| BuildMigration::from(*m)).collect()
    }
}
