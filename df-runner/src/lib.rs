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
//! Exit codes: 0 success; 1 failure (an error, or problems found by `verify`); 2 a usage
//! error (from clap); 3 `plan --check` found pending steps.

mod cli;
mod commands;
mod progress;
mod report;

pub use cli::{Cli, Command, Format};

use std::process::ExitCode;

/// What a command ended with, beyond success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// `verify` found problems.
    Problems,
    /// `plan --check` found pending steps.
    Pending,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Problems => ExitCode::from(1),
            Outcome::Pending => ExitCode::from(3),
        }
    }
}

/// Parses the command line, runs it and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] with the given arguments (the first is the program name), for a program that
/// embeds the runner as one of its commands.
pub fn main_from(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = <Cli as clap::Parser>::parse_from(args);
    match run(&cli, &mut std::io::stdout().lock()) {
        Ok(outcome) => outcome.into(),
        // The reader went away (`df-runner history | head`): not an error of ours.
        Err(error) if error.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command, writing its report to `out`.
pub fn run(cli: &Cli, out: &mut dyn std::io::Write) -> anyhow::Result<Outcome> {
    commands::run(cli, out)
}
