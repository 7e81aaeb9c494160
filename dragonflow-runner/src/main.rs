//! `dragonflow-runner`: df-runner with Dragonflow's north-bound models linked, plus
//! `demo`, which seeds a generated Dragonflow 2.0 deployment and upgrades it. A runner for
//! other models is three lines naming another model crate; this one adds a command of its
//! own by flattening df-runner's options and commands into its parser.

mod demo;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// Names the model crate, which links its models and migrations into this program.
use dragonflow_models as _;

// Optional: an allocator made for many small allocations (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Upgrade a Dragonflow north-bound database to the schema this build was compiled with.
///
/// Dragonflow's models (releases 2.0 to 5.0), their recorded history and the hand-written
/// migrations are compiled into this binary; the database records which steps it has
/// applied. Run it on one node while the control plane is stopped: `status`, `plan`, then
/// `upgrade`; `rollback` restores the exact state from before the last upgrade. `demo`
/// shows all of it on a generated deployment.
///
/// Exit codes: 0 success; 1 failure (an error, or problems found by `verify`); 2 a usage
/// error; 3 `plan --check` found pending steps; 130 and 143 stopped by SIGINT and SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "dragonflow-runner", version, propagate_version = true, after_long_help = df_runner::EXAMPLES)]
struct Cli {
    #[command(flatten)]
    options: df_runner::Options,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Runner(df_runner::Command),
    /// Seed a realistic Dragonflow 2.0 deployment into a fresh embedded database and
    /// upgrade it to the head schema, showing status, plan, progress and the summary.
    Demo(demo::Args),
}

fn main() -> ExitCode {
    let cli = match df_runner::parse::<Cli>(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let name = match &cli.command {
        Command::Runner(command) => command.name(),
        Command::Demo(_) => "demo",
    };
    let out = &mut std::io::stdout().lock();
    df_runner::with_signals(&cli.options, name, |stop| match &cli.command {
        Command::Runner(command) => df_runner::run_until(&cli.options, command, out, stop),
        Command::Demo(args) => demo::run(&cli.options, args, out),
    })
}
