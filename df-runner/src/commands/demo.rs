//! `demo`: the README's first command. Seeds a realistic Dragonflow 2.0 deployment into a
//! fresh embedded database, stamps it as 2.0, and upgrades it to this build's schema,
//! showing what an operator would see.

use crate::cli::{Cli, DemoArgs, Format, PlanArgs, UpgradeArgs};
use crate::Outcome;
use df_migrations::store::{Op, RedbStore};
use df_migrations::{Build, Engine};
use std::io::Write;

pub fn run(cli: &Cli, args: &DemoArgs, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let text = cli.format == Format::Text && !cli.quiet;
    if args.file.exists() {
        std::fs::remove_file(&args.file)?;
    }
    let mut store = RedbStore::open(&args.file)?;
    let mut engine = Engine::new(&mut store, Build::linked());
    let keys: Vec<Op> = dragonflow_models::fixtures::generate(args.objects, 2017).into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    let count = engine.import(keys, false)?;
    engine.baseline("2.0", 1000, None, false)?;
    if text {
        writeln!(out, "== seeded {count} keys of a Dragonflow 2.0 deployment into {} and stamped it as release 2.0\n", args.file.display())?;
        writeln!(out, "== status")?;
        super::status(cli, &mut engine, out)?;
        writeln!(out, "\n== plan")?;
        super::plan(cli, &PlanArgs { check: false, to_release: None }, &mut engine, out)?;
        writeln!(out, "\n== upgrade")?;
    }
    super::upgrade(cli, &UpgradeArgs { to_release: None, dry_run: false, accept_changed: Vec::new() }, &mut engine, out)?;
    if text {
        writeln!(out, "\n== verify")?;
    }
    let outcome = super::verify(cli, &mut engine, out)?;
    if text {
        writeln!(out, "\nNext: `df-runner --db {} history`, `… rollback --yes`, or point --db at your own database.", args.file.display())?;
    }
    Ok(outcome)
}
