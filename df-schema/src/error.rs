//! The error a migration returns. It names the table and the object, so that an operator
//! whose upgrade stops can find the offending data.

/// Why a migration could not migrate the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// An object holds data the migration cannot handle.
    #[error("table `{table}`, object `{id}`: {message}")]
    Object {
        /// The table.
        table: String,
        /// The object's id.
        id: String,
        /// What is wrong with it, and what would fix it.
        message: String,
    },
    /// An object does not decode as a model.
    #[error("table `{table}`, object `{id}`: does not decode as {model} v{version}: {reason}")]
    Decode {
        /// The model it was decoded as.
        model: &'static str,
        /// The model's version.
        version: u32,
        /// The table.
        table: String,
        /// The object's id.
        id: String,
        /// serde's reason.
        reason: String,
    },
    /// A table-wide problem (e.g. moving onto existing objects).
    #[error("table `{table}`: {message}")]
    Table {
        /// The table.
        table: String,
        /// What is wrong.
        message: String,
    },
}

impl MigrationError {
    /// Bad data in one object.
    pub fn object(table: &str, id: &str, message: impl Into<String>) -> MigrationError {
        MigrationError::Object { table: table.to_owned(), id: id.to_owned(), message: message.into() }
    }

    /// A problem with a whole table.
    pub fn table(table: &str, message: impl Into<String>) -> MigrationError {
        MigrationError::Table { table: table.to_owned(), message: message.into() }
    }

    /// The table and, where one is involved, the object's id.
    pub fn location(&self) -> (Option<String>, Option<String>) {
        match self {
            MigrationError::Object { table, id, .. } | MigrationError::Decode { table, id, .. } => (Some(table.clone()), Some(id.clone())),
            MigrationError::Table { table, .. } => (Some(table.clone()), None),
        }
    }
}
