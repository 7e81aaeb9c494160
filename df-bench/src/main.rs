//! `df-bench`: the speed and compile-time numbers behind `BENCHMARKS.md` (the fault
//! campaign's counts come from `df-faults`).
//!
//! Every command prints a Markdown section (the machine, the date, the exact command, then
//! the table) ready to paste into `BENCHMARKS.md`, and with `--json FILE` also writes the
//! raw measurements. Build with `--release`; the numbers of a debug build mean nothing.

mod compile;
mod speed;

// Links Dragonflow's models and migrations into this program (see `df_schema::registry`).
use dragonflow_models as _;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Benchmarks of df-schema on Dragonflow's NB models.
///
/// Run with `cargo run --release -p df-bench -- <COMMAND>`. Redis runs use private
/// `redis-server` processes on free loopback ports, never a shared instance.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Upgrade speed and memory against the store's own floor (a bare read and
    /// write-back of the same keys with the same client).
    Speed(speed::Args),
    /// Build time of a crate of generated `#[df_model]` models against the same structs
    /// with plain serde derives.
    Compile(compile::Args),
    /// Runs df-runner with Dragonflow's models in this process: how the speed runs start
    /// runners as separate processes (`df_testkit::runner`).
    #[command(hide = true, disable_help_flag = true)]
    Runner(df_testkit::runner::RunnerCommand),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Runner(runner) => runner.run(),
        Command::Speed(args) => df_testkit::runner::exit_code(speed::run(&args)),
        Command::Compile(args) => df_testkit::runner::exit_code(compile::run(&args)),
    }
}
