//! `df-bench compile`: what `#[df_model]` costs at build time. Issue 5 asks that a crate
//! of 200 models builds in at most 1.5× the time of the same structs with plain serde
//! derives; this generates both crates, records the schema lock once, and times
//! alternating rebuilds of each (see `measure` for what is timed and why).

mod generate;
mod measure;
mod report;
mod scratch;
mod timing;

use anyhow::{ensure, Context};
use generate::Models;
use scratch::Scratch;

/// The models are the same on every machine and in every run.
const SEED: u64 = 5;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many models the generated crates declare.
    #[arg(long, default_value_t = 200)]
    models: usize,
    /// Timed builds per crate and kind of build.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Also write the raw measurements to this file, as JSON.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    ensure!(args.models >= 1 && args.runs >= 1, "--models and --runs must be at least 1");
    let models = Models::generate(SEED, args.models);
    eprintln!("generating both crates and recording the schema lock of {} models", args.models);
    let scratch = Scratch::create(&models)?;
    let samples = measure::run(&scratch, args.runs)?;
    let setup = report::Setup {
        models: args.models,
        runs: args.runs,
        plain_lines: scratch.plain.lines,
        modelled_lines: scratch.modelled.lines,
        lock_lines: scratch.lock_lines()?,
    };
    print!("{}", report::markdown(&setup, &samples));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report::json(&setup, &samples))?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
