//! The runner's own refusals, beside the engine's: each with the code `--format json`
//! reports it by.

use df_migrations::{Diagnostic, Ids};

/// Why the runner refused a command before or after the engine ran.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A command that does not create a database was pointed at one that does not exist.
    #[error(
        "the database {store} does not exist, and this command does not create one: check `--db` (or DF_DB_URL). \
         To create a new database at this build's schema, run `init`"
    )]
    DatabaseMissing {
        /// The database, as it describes itself.
        store: String,
    },
    /// `init` on a database that has df-schema's state.
    #[error("{store} is already initialized (it holds df-schema state): use `upgrade` to bring it to this build's schema")]
    AlreadyInitialized {
        /// The database.
        store: String,
    },
    /// A question needs an answer, and there is no terminal to ask on.
    #[error("{question} Refusing without a terminal to ask on: pass --yes")]
    NoTerminal {
        /// The question.
        question: String,
    },
    /// The operator answered no.
    #[error("{what}: the answer was not yes, so nothing was written")]
    Declined {
        /// What was not done.
        what: &'static str,
    },
    /// `schema diff` of a model the build does not have.
    #[error("this build has no model `{model}`; it has: {known}")]
    NoSuchModel {
        /// The model asked for.
        model: String,
        /// The build's models, comma-separated.
        known: String,
    },
    /// `schema diff` of a version a model does not record.
    #[error("{model} has no recorded version {version}; it has versions 1 to {head}")]
    NoSuchVersion {
        /// The model.
        model: String,
        /// The version asked for.
        version: u32,
        /// Its head version.
        head: u32,
    },
    /// `export` or `import` of the embedded database file itself.
    #[error("{file} is the database file itself (--db): exporting over it would destroy it, and it is not an export to import. Give another file")]
    LiveDatabaseFile {
        /// The file given.
        file: String,
    },
    /// `lease break` of a lease that ends only with its holder's process.
    #[error("the lease of {store} is held by {holder} and ends only with that process: stop it instead")]
    LeaseOfAProcess {
        /// The database.
        store: String,
        /// Who holds it.
        holder: String,
    },
    /// `lease break` that did not break the lease.
    #[error("the lease of {store} is still held by {holder}: it could not be broken; look again with `lease`")]
    LeaseNotBroken {
        /// The database.
        store: String,
        /// Who holds it.
        holder: String,
    },
}

impl Refusal {
    /// The refusal with its code and ids.
    pub fn diagnostic(&self) -> Diagnostic {
        let store = |store: &String| Ids { store: Some(store.clone()), ..Ids::default() };
        let (code, ids) = match self {
            Refusal::DatabaseMissing { store: s } => ("database_missing", store(s)),
            Refusal::AlreadyInitialized { store: s } => ("already_initialized", store(s)),
            Refusal::NoTerminal { .. } => ("no_terminal", Ids::default()),
            Refusal::Declined { .. } => ("declined", Ids::default()),
            Refusal::NoSuchModel { model, .. } => ("unknown_model", Ids { model: Some(model.clone()), ..Ids::default() }),
            Refusal::NoSuchVersion { model, version, .. } => {
                ("unknown_version", Ids { model: Some(model.clone()), version: Some(*version), ..Ids::default() })
            }
            Refusal::LeaseOfAProcess { store: s, .. } => ("lease_of_a_process", store(s)),
            Refusal::LiveDatabaseFile { .. } => ("live_database_file", Ids::default()),
            Refusal::LeaseNotBroken { store: s, .. } => ("lease_not_broken", store(s)),
        };
        Diagnostic::new(code, self.to_string(), ids)
    }
}
