//! Live migrations of VMs between chassis (the model `LiveMigration`, table `migration`;
//! not to be confused with schema migrations). New in 4.0: a new model needs no
//! migration, only its first recording in the lock.

use df_schema::df_model;

/// A VM's port moving to another chassis, stored without a topic: `{migration.}<id>`.
#[df_model(version = 1, table = "migration", release = "4.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct LiveMigration {
    /// The migration's id, as in its key.
    pub id: String,
    /// The chassis the VM moves to.
    pub dest_chassis: Option<String>,
    /// The logical port that moves.
    pub lport: Option<String>,
    /// Where the move is, e.g. `"migrating"` or `"done"`.
    pub status: String,
}
