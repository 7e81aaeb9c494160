//! The error a migration returns. It names the table and the object, so that an operator
//! whose upgrade stops can find the offending data.

/// Why a migration could not migrate the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// An object holds data the migration cannot handle.
    #[error("table `{table}`, object `{id}`: {message}")]
    Object { table: String, id: String, message: String },
    /// An object does not decode as a model.
    #[error("table `{table}`, object `{id}`: does not decode as {model} v{version}: {reason}")]
    Decode { model: &'static str, version: u32, table: String, id: String, reason: String },
    /// A table-wide problem (e.g. moving onto existing objects).
    #[error("table `{table}`: {message}")]
    Table { table: String, message: String },
}

impl MigrationError {
    /// Bad data in one object.
    pub fn object(table: &str, id: &str, message: impl Into<String>) -> MigrationError {
        MigrationError::Object { table: table.to_owned(), id: id.to_owned(), message: message.into() }
    }

    pub fn table(table: &str, message: impl Into<String>) -> MigrationError {
        MigrationError::Table { table: table.to_owned(), message: message.into() }
    }
}
