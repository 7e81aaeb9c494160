//! The operator's CLI as a library, so that a runner for any model set is a three-line
//! binary that names its model crate (which links the crate's models and migrations):
//!
//! ```ignore
//! use my_models as _;
//!
//! fn main() -> std::process::ExitCode {
//!     df_runner::main()
//! }
//! ```
//!
//! Exit codes: 0 success; 1 an error (printed on stderr); 2 a usage error (from clap).

mod cli;
mod schema;

pub use cli::{Cli, Command, DiffArgs, Format, SchemaDiff};

use std::process::ExitCode;

/// Parses the command line, runs it and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    match run(&cli, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command, writing its report to `out`.
pub fn run(cli: &Cli, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match &cli.command {
        Command::Schema { diff: None } => schema::list(cli.format, out),
        Command::Schema { diff: Some(SchemaDiff::Diff(diff)) } => schema::diff(diff, cli.format, out),
    }
}
