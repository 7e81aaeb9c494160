//! One function per command, over the engine.

mod demo;
mod schema;
mod transfer;

use crate::cli::{Cli, Command, Format, PlanArgs, RedisCommit, RollbackArgs, SchemaDiff, UpgradeArgs};
use crate::progress::Progress;
use crate::report;
use crate::Outcome;
use anyhow::Context;
use df_migrations::store::{self, RedisOptions, Store};
use df_migrations::{Build, Engine, UpgradeOptions};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

pub fn run(cli: &Cli, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Schema { diff: None } => schema::list(cli.format, out).map(|()| Outcome::Success),
        Command::Schema { diff: Some(SchemaDiff::Diff(diff)) } => schema::diff(diff, cli.format, out).map(|()| Outcome::Success),
        Command::Demo(args) => demo::run(cli, args, out),
        command => {
            let mut store = open(cli)?;
            let mut engine = Engine::new(store.as_mut(), Build::linked()).with_lease_ttl(Duration::from_secs(cli.lease_ttl));
            match command {
                Command::Status => status(cli, &mut engine, out),
                Command::Plan(args) => plan(cli, args, &mut engine, out),
                Command::Upgrade(args) => upgrade(cli, args, &mut engine, out),
                Command::Rollback(args) => rollback(cli, args, &mut engine, out),
                Command::History => history(cli, &mut engine, out),
                Command::Recover => {
                    let recovery = engine.recover()?;
                    let what = match recovery {
                        None => "nothing to recover: no commit was interrupted",
                        Some(df_migrations::Recovery::RolledForward) => "completed an interrupted commit: the data is in its new state",
                        Some(_) => "discarded an undecided commit: the data is in its old state",
                    };
                    if cli.format == Format::Json {
                        report::json(out, &serde_json::json!({"recovered": recovery.map(|r| format!("{r:?}"))}))?;
                    } else if !cli.quiet {
                        writeln!(out, "{what}")?;
                    }
                    Ok(Outcome::Success)
                }
                Command::Verify => verify(cli, &mut engine, out),
                Command::Baseline(args) => {
                    let report = engine.baseline(&args.release, args.sample, None, args.dry_run)?;
                    if cli.format == Format::Json {
                        report::json(out, &report)?;
                    } else if !cli.quiet {
                        let done = if args.dry_run { "would be stamped (dry run)" } else { "stamped" };
                        writeln!(out, "{} objects match release {}: {} {done} as release {}", report.objects_read, args.release, engine.store().describe(), args.release)?;
                    }
                    Ok(Outcome::Success)
                }
                Command::Export(args) => transfer::export(cli, &args.file, &mut engine, out),
                Command::Import(args) => transfer::import(cli, args, &mut engine, out),
                Command::Schema { .. } | Command::Demo(_) => unreachable!("handled above"),
            }
        }
    }
}

pub fn open(cli: &Cli) -> anyhow::Result<Box<dyn Store>> {
    let redis = RedisOptions { transactions: cli.redis_commit == RedisCommit::Transaction, ..RedisOptions::default() };
    store::open(&cli.db, &redis).with_context(|| format!("cannot open the database `{}`", cli.db))
}

pub fn status(cli: &Cli, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let status = engine.status()?;
    if cli.format == Format::Json {
        report::json(out, &status)?;
        return Ok(Outcome::Success);
    }
    writeln!(out, "database: {}", engine.store().describe())?;
    if !status.baselined {
        writeln!(out, "no df-schema state yet: an empty database gets every model created; a database that predates df-schema needs `baseline --release R` first")?;
    }
    if status.interrupted_commit {
        writeln!(out, "an interrupted commit is recorded: the next upgrade (or rollback) completes it first")?;
    }
    writeln!(out, "{:<16} {:>9} {:>9}", "MODEL", "DATABASE", "BUILD")?;
    for (model, (db, build)) in &status.models {
        let db = db.map_or_else(|| "-".to_owned(), |v| format!("v{v}"));
        let mark = if db == format!("v{build}") { "" } else { "  pending" };
        writeln!(out, "{model:<16} {db:>9} {:>9}{mark}", format!("v{build}"))?;
    }
    writeln!(out, "{} steps pending", status.pending.len())?;
    match &status.last_applied {
        Some(row) => writeln!(out, "last applied: {} ({}) at {}", row.id, row.release, row.applied_at)?,
        None => writeln!(out, "last applied: none")?,
    }
    Ok(Outcome::Success)
}

pub fn plan(cli: &Cli, args: &PlanArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let plan = engine.plan(args.to_release.as_deref())?;
    let steps: Vec<df_migrations::ReportStep> = plan.steps.iter().map(Into::into).collect();
    if cli.format == Format::Json {
        report::json(out, &steps)?;
    } else if !(cli.quiet && steps.is_empty()) {
        report::steps(out, &steps)?;
    }
    Ok(if args.check && !steps.is_empty() { Outcome::Pending } else { Outcome::Success })
}

pub fn upgrade(cli: &Cli, args: &UpgradeArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let options = UpgradeOptions {
        dry_run: args.dry_run,
        to_release: args.to_release.clone(),
        accept_changed: args.accept_changed.iter().cloned().collect(),
        applied_at: None,
    };
    let mut progress = Progress::new(cli.quiet || cli.format == Format::Json, cli.verbose);
    let report = engine.upgrade(&options, &mut |event| progress.event(event))?;
    drop(progress);
    if cli.format == Format::Json {
        report::json(out, &report)?;
    } else if !cli.quiet {
        if report.steps.is_empty() {
            writeln!(out, "nothing pending: the database is at this build's schema")?;
            return Ok(Outcome::Success);
        }
        if cli.verbose || !report.committed {
            report::steps(out, &report.steps)?;
        }
        let verb = if report.committed {
            format!("{} steps committed", report.steps.len())
        } else {
            "dry run: nothing was written".to_owned()
        };
        let verb = verb.as_str();
        report::summary(out, cli.format, &report, verb)?;
    }
    Ok(Outcome::Success)
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    anyhow::ensure!(stdin.is_terminal(), "{question} Refusing without a terminal to ask on: pass --yes");
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub fn rollback(cli: &Cli, args: &RollbackArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut progress = |_: df_migrations::Event<'_>| {};
    if !args.dry_run && !args.yes {
        // Show what would be restored before asking.
        let preview = engine.rollback(args.force, true, &mut progress)?;
        report::summary(&mut std::io::stderr(), Format::Text, &preview, "to be restored")?;
        if !confirm(&format!("Restore {} to its state before the last upgrade?", engine.store().describe()))? {
            anyhow::bail!("rollback cancelled; nothing was written");
        }
    }
    let report = engine.rollback(args.force, args.dry_run, &mut progress)?;
    if cli.format == Format::Json || !cli.quiet {
        let verb = if report.committed { "restored the state from before the last upgrade" } else { "dry run: nothing was written" };
        report::summary(out, cli.format, &report, verb)?;
    }
    Ok(Outcome::Success)
}

pub fn history(cli: &Cli, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let log = engine.history()?;
    if cli.format == Format::Json {
        report::json(out, &log)?;
        return Ok(Outcome::Success);
    }
    writeln!(out, "{:<34} {:<7} {:<21} {:<21} DESCRIPTION", "ID", "RELEASE", "PROPOSED", "APPLIED")?;
    for row in &log {
        writeln!(out, "{:<34} {:<7} {:<21} {:<21} {}", row.id, row.release, row.proposed_at, row.applied_at, row.description)?;
    }
    Ok(Outcome::Success)
}

pub fn verify(cli: &Cli, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut progress = Progress::new(cli.quiet || cli.format == Format::Json, false);
    let problems = engine.verify(&mut |event| progress.event(event))?;
    drop(progress);
    if cli.format == Format::Json {
        report::json(out, &serde_json::json!({"ok": problems.is_empty(), "problems": problems}))?;
    } else if problems.is_empty() {
        if !cli.quiet {
            writeln!(out, "ok: every object decodes as its head model and applied migrations are unchanged")?;
        }
    } else {
        for problem in &problems {
            writeln!(out, "problem: {problem}")?;
        }
    }
    Ok(if problems.is_empty() { Outcome::Success } else { Outcome::Problems })
}
