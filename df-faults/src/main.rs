//! `df-faults`: the fault campaign behind the counts in `BENCHMARKS.md`. It prints a
//! Markdown section (the machine, the date, the exact command, then the table) ready to
//! paste, and with `--json FILE` also writes the rows. Build with `--release`.

mod faults;

// Links Dragonflow's models and migrations into this program (see `df_schema::registry`).
use dragonflow_models as _;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The fault campaign of df-schema on Dragonflow's NB models: crashes, kills, races,
/// expired leases and bad input, each checked against the exact old or new database.
///
/// Run with `cargo run --release -p df-faults -- campaign`. Redis runs use private
/// `redis-server` processes on free loopback ports, never a shared instance.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The campaign: crashes, kills, races, expired leases and bad input.
    Campaign(faults::Args),
    /// Runs df-runner with Dragonflow's models in this process: how the campaign starts
    /// runners as separate processes (`df_testkit::runner`).
    #[command(hide = true, disable_help_flag = true)]
    Runner(df_testkit::runner::RunnerCommand),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Runner(runner) => runner.run(),
        Command::Campaign(args) => df_testkit::runner::exit_code(faults::run(&args)),
    }
}
