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
//! This crate depends on no model set: the runner sees exactly the models its binary links.
//! A runner with commands of its own (Dragonflow's has `demo`) flattens [`Options`] and
//! [`Command`] into its own clap parser, runs the shared commands with [`run`], and turns
//! the result into an exit code with [`exit_code`].
//!
//! Exit codes: 0 success; 1 failure (an error, or problems found by `verify`); 2 a usage
//! error (from clap); 3 `plan --check` found pending steps; 130 and 143 stopped by SIGINT
//! and SIGTERM.

mod cli;
mod commands;
pub mod json;
mod logging;
mod progress;
mod refusal;
mod report;
mod signals;

pub use cli::{
    BaselineArgs, Cli, Command, DiffArgs, FileArgs, Format, ImagesAction, ImagesArgs, ImportArgs, InitArgs, LeaseAction, LeaseArgs, Options, EXAMPLES, PlanArgs, RedisCommit, RollbackArgs, SchemaDiff,
    UpgradeArgs,
};

use std::process::ExitCode;

/// What a command ended with, beyond success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command did what it was asked.
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
    let cli = match parse::<Cli>(args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    with_signals(&cli.options, cli.command.name(), |stop| run_until(&cli.options, &cli.command, &mut std::io::stdout().lock(), stop))
}

/// Parses a command line with clap (`C` is [`Cli`], or a runner's own parser). A command
/// line that cannot be parsed exits with code 2, its error printed as clap prints it or,
/// when the line asks for `--format json`, as a JSON error document on standard output;
/// `--help` and `--version` print and exit 0, and `completions SHELL` prints the
/// completion script of `C`, so that a runner's own commands complete too. `Err` is the
/// code to exit with once the line was answered or refused.
pub fn parse<C: clap::Parser>(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<C, ExitCode> {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let parsed = C::command().try_get_matches_from(&args).and_then(|matches| {
        // `completions` is answered here, where the whole command line's parser is known.
        if let Some(("completions", sub)) = matches.subcommand() {
            if let Some(shell) = sub.get_one::<clap_complete::Shell>("shell") {
                return Ok(Err(*shell));
            }
        }
        C::from_arg_matches(&matches).map(Ok)
    });
    match parsed {
        Ok(Ok(cli)) => Ok(cli),
        Ok(Err(shell)) => {
            // The script completes the program as it is installed, whatever its parser's name.
            let program = args.first().and_then(|path| std::path::Path::new(path).file_name()).map(|name| name.to_string_lossy().into_owned());
            match completions::<C>(shell, program.as_deref(), &mut std::io::stdout().lock()) {
                // `completions bash | head`: the reader went away, not an error of ours.
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write the completion script: {error}");
                    Err(ExitCode::FAILURE)
                }
                _ => Err(ExitCode::SUCCESS),
            }
        }
        Err(error) => {
            let wants_json = args.windows(2).any(|pair| pair[0] == "--format" && pair[1] == "json") || args.iter().any(|a| a == "--format=json");
            if !error.use_stderr() || !wants_json {
                error.exit()
            }
            let diagnostic = df_migrations::Diagnostic::new("usage", error.render().to_string().trim_end(), df_migrations::Ids::default());
            json::print_error(None, diagnostic);
            Err(ExitCode::from(2))
        }
    }
}

/// Writes the completion script of the parser `C` for `shell` to `out`, for the program
/// named `program` (by default, the parser's name).
pub fn completions<C: clap::CommandFactory>(shell: clap_complete::Shell, program: Option<&str>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut command = C::command();
    let name = program.map_or_else(|| command.get_name().to_owned(), str::to_owned);
    // Into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    out.write_all(&script)
}

/// Runs `command` (named `name`, as its JSON documents name it) with SIGINT and SIGTERM
/// watched, and turns its result into an exit code with [`exit_code`]: the first signal
/// asks it to stop at its next safe point (through the `Stop` it is given), and the exit
/// code is then 130 or 143 (unless the command failed for another reason, whose exit code
/// is kept); a second signal ends the process at once. For a runner with
/// commands of its own, around its `main`.
pub fn with_signals(options: &Options, name: &str, command: impl FnOnce(&df_migrations::Stop) -> anyhow::Result<Outcome>) -> ExitCode {
    logging::init(options.quiet, options.verbose);
    let signals = match signals::Signals::install() {
        Ok(signals) => signals,
        Err(error) => return exit_code(options, name, Err(anyhow::Error::new(error).context("cannot watch SIGINT and SIGTERM"))),
    };
    let result = command(&signals.stop());
    match signals.received() {
        None => exit_code(options, name, result),
        Some(signal) => {
            let stopped = matches!(&result, Err(error) if matches!(error.downcast_ref(), Some(df_migrations::EngineError::Stopped { .. })));
            let completed = result.is_ok();
            let code = exit_code(options, name, result);
            if completed {
                eprintln!("{}: the command was past its last safe point and ran to its end, as reported above", signal.name);
            } else if !stopped {
                // Not a stop: the command failed on its own after the signal, and its
                // exit code says how, as it would have without the signal.
                eprintln!("{}: received while the command failed, as reported above", signal.name);
                return code;
            }
            ExitCode::from(signal.exit_code)
        }
    }
}

/// Runs `command` on the database `options` names, writing its report to `out`: how a
/// program that embeds the runner runs a shared command, or captures its report.
///
/// ```
/// use clap::Parser;
/// use df_runner::{run, Cli, Outcome};
///
/// // No models are linked into this doctest, so an empty database has nothing pending.
/// let cli = Cli::parse_from(["df-runner", "--db", "memory:", "--format", "json", "status"]);
/// let mut out = Vec::new();
/// assert_eq!(run(&cli.options, &cli.command, &mut out)?, Outcome::Success);
/// let status: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!((&status["models"], &status["pending"]), (&serde_json::json!({}), &serde_json::json!([])));
///
/// // A database URL that names no store is an error, not an exit.
/// let cli = Cli::parse_from(["df-runner", "--db", "consul://10.0.0.1:8500", "status"]);
/// let error = run(&cli.options, &cli.command, &mut Vec::new()).unwrap_err();
/// assert!(format!("{error:#}").contains("unknown scheme `consul://`"), "{error:#}");
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn run(options: &Options, command: &Command, out: &mut dyn std::io::Write) -> anyhow::Result<Outcome> {
    run_until(options, command, out, &df_migrations::Stop::new())
}

/// [`run`], stopping at the next safe point once `stop` is requested (with
/// `df_migrations::EngineError::Stopped`; see `df_migrations::Stop`).
pub fn run_until(options: &Options, command: &Command, out: &mut dyn std::io::Write, stop: &df_migrations::Stop) -> anyhow::Result<Outcome> {
    commands::run(options, command, out, stop)
}

/// The exit code of a command's result (of the command `name`), printing the error, if
/// any: on standard error, or, under `--format json`, as the command's one JSON document
/// on standard output (see [`json::ErrorBody`]).
pub fn exit_code(options: &Options, name: &str, result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(outcome) => outcome.into(),
        // The reader went away (`df-runner history | head`, `export - | head`): not an
        // error of ours, wherever in the chain the write failed.
        Err(error) if error.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)) => {
            ExitCode::SUCCESS
        }
        Err(error) if options.format == Format::Json => {
            json::print_error(Some(name), json::diagnose(&error));
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
