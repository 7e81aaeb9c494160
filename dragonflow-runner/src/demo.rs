//! `demo`: the README's first command. Seeds a realistic Dragonflow 2.0 deployment into a
//! fresh embedded database, stamps it as 2.0, and upgrades it to this build's schema with
//! df-runner's own commands, showing what an operator would see.

use df_migrations::store::{Op, RedbStore};
use df_migrations::{Build, Engine};
use df_runner::{Command, Format, Options, Outcome, PlanArgs, UpgradeArgs};
use std::io::Write;
use std::path::PathBuf;

/// `demo`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// About how many objects to generate.
    #[arg(long, default_value_t = 2000)]
    objects: usize,
    /// The embedded database file to (re)create.
    #[arg(long, default_value = "df-demo.redb")]
    file: PathBuf,
}

/// Seeds the deployment, then runs `status`, `plan`, `upgrade` and `verify` on it.
pub fn run(options: &Options, args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let text = options.format == Format::Text && !options.quiet;
    if args.file.exists() {
        std::fs::remove_file(&args.file)?;
    }
    let count = seed(args)?;
    let options = Options { db: format!("redb:{}", args.file.display()), ..options.clone() };
    let upgrade = ("upgrade", Command::Upgrade(UpgradeArgs { to_release: None, dry_run: false, accept_changed: Vec::new(), init: false }));
    let commands = if text {
        writeln!(out, "== seeded {count} keys of a Dragonflow 2.0 deployment into {} and stamped it as release 2.0", args.file.display())?;
        vec![("status", Command::Status), ("plan", Command::Plan(PlanArgs { check: false, to_release: None })), upgrade, ("verify", Command::Verify)]
    } else {
        // One JSON document, the upgrade's report; `verify` then speaks through the exit code.
        vec![upgrade, ("verify", Command::Verify)]
    };
    let mut outcome = Outcome::Success;
    for (name, command) in &commands {
        if text {
            writeln!(out, "\n== {name}")?;
            outcome = df_runner::run(&options, command, out)?;
        } else {
            let mut report = Vec::new();
            outcome = df_runner::run(&options, command, &mut report)?;
            if *name == "upgrade" {
                out.write_all(&report)?;
            }
        }
    }
    if text {
        writeln!(out, "\nNext: `dragonflow-runner --db {} history`, `… rollback --yes`, or point --db at your own database.", args.file.display())?;
    }
    Ok(outcome)
}

/// Writes the generated deployment and stamps it as release 2.0; returns the key count.
fn seed(args: &Args) -> anyhow::Result<usize> {
    let mut store = RedbStore::create(&args.file)?;
    let mut engine = Engine::new(&mut store, Build::linked()?);
    let keys: Vec<Op> = dragonflow_fixtures::generate(args.objects, 2017).into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    let count = engine.import(keys, false)?;
    engine.baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(1000).unwrap(), None, false)?;
    Ok(count)
}
