//! The command line, as clap derives it. Doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Upgrade a north-bound database to the schema this build was compiled with.
///
/// The models, their recorded history and the hand-written migrations are compiled into
/// this binary; the database says which steps it has applied.
#[derive(Debug, Parser)]
#[command(version, propagate_version = true)]
pub struct Cli {
    /// Output format of reports: `text` for people, `json` for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The build's models: versions, tables, fingerprints and every version step, each
    /// marked automatic or hand-written.
    Schema {
        #[command(subcommand)]
        diff: Option<SchemaDiff>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemaDiff {
    /// What changed in a model between two recorded versions.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The model's name, e.g. `LogicalPort`.
    pub model: String,
    /// The older version.
    pub from: u32,
    /// The newer version.
    pub to: u32,
}
