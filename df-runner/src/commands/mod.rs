//! One function per command, over the engine.

mod history;
mod lease;
mod schema;
mod transfer;

use crate::cli::{BaselineArgs, Command, Format, InitArgs, Options, PlanArgs, RedisCommit, RollbackArgs, SchemaDiff, UpgradeArgs};
use crate::progress::Progress;
use crate::refusal::Refusal;
use crate::{json, report, Outcome};
use anyhow::Context;
use df_migrations::store::{self, RedisOptions, Store, StoreError};
use df_migrations::{Build, Engine, RollbackOptions, Stop, UpgradeOptions};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// Runs `command` on the database `global` names.
pub fn run(global: &Options, command: &Command, out: &mut dyn Write, stop: &Stop) -> anyhow::Result<Outcome> {
    // Checked before anything else, so that no command shows or touches a database
    // through models that collide.
    let build = Build::linked()?;
    // And the target release, before a database is opened (and perhaps created).
    if let Command::Plan(PlanArgs { to_release: Some(release), .. })
    | Command::Upgrade(UpgradeArgs { to_release: Some(release), .. })
    | Command::Rollback(RollbackArgs { to_release: Some(release), .. }) = command
    {
        build.check_release(release)?;
    }
    match command {
        Command::Schema { diff: None } => schema::list(global.format, out).map(|()| Outcome::Success),
        Command::Schema { diff: Some(SchemaDiff::Diff(diff)) } => schema::diff(diff, global.format, out).map(|()| Outcome::Success),
        Command::Init(args) => with_engine(global, &build, stop, Open::Create { dry_run: args.dry_run }, |engine| init(global, args, engine, out)),
        Command::Status => with_engine(global, &build, stop, Open::Existing, |engine| status(global, engine, out)),
        Command::Plan(args) => with_engine(global, &build, stop, Open::Existing, |engine| plan(global, args, engine, out)),
        Command::Upgrade(args) => {
            let open = if args.init { Open::Create { dry_run: args.dry_run } } else { Open::Existing };
            with_engine(global, &build, stop, open, |engine| upgrade(global, args, engine, out))
        }
        Command::Rollback(args) => with_engine(global, &build, stop, Open::Existing, |engine| rollback(global, args, engine, out)),
        Command::History => with_engine(global, &build, stop, Open::Existing, |engine| history::history(global, engine, out)),
        Command::Images(args) => with_engine(global, &build, stop, Open::Existing, |engine| history::images(global, args, engine, out)),
        Command::Lease(args) => with_engine(global, &build, stop, Open::Existing, |engine| lease::run(global, args, engine, out)),
        Command::Recover => with_engine(global, &build, stop, Open::Existing, |engine| recover(global, engine, out)),
        Command::Verify => with_engine(global, &build, stop, Open::Existing, |engine| verify(global, engine, out)),
        Command::Baseline(args) => with_engine(global, &build, stop, Open::Existing, |engine| baseline(global, args, engine, out)),
        Command::Export(args) => with_engine(global, &build, stop, Open::Existing, |engine| transfer::export(global, &args.file, engine, out)),
        // An import is for an empty database, so a new file is what it expects.
        Command::Import(args) => with_engine(global, &build, stop, Open::Create { dry_run: args.dry_run }, |engine| transfer::import(global, args, engine, out)),
        // A runner with a parser of its own gets its completions from `crate::parse`;
        // here, those of df-runner's.
        Command::Completions { shell } => {
            crate::completions::<crate::Cli>(*shell, None, out)?;
            Ok(Outcome::Success)
        }
    }
}

/// How a command opens the database.
#[derive(Debug, Clone, Copy)]
enum Open {
    /// It must exist.
    Existing,
    /// A redb file that does not exist is created; a dry run reads an empty database in
    /// memory instead, so that it creates nothing.
    Create { dry_run: bool },
}

/// Opens the database and runs `command` on an engine over it with this build.
fn with_engine(global: &Options, build: &Build, stop: &Stop, how: Open, command: impl FnOnce(&mut Engine) -> anyhow::Result<Outcome>) -> anyhow::Result<Outcome> {
    let mut store = open(global, how)?;
    tracing::debug!(database = %store.describe(), "opened");
    let mut engine = Engine::new(store.as_mut(), build.clone())
        .with_lease_ttl(Duration::from_secs(global.lease_ttl))
        .with_stop(stop.clone())
        .with_kept_images(global.keep_images);
    command(&mut engine)
}

fn recover(global: &Options, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let recovery = engine.recover()?;
    if global.format == Format::Json {
        json::write(out, "recover", json::RecoverBody { recovered: recovery })?;
    } else if !global.quiet {
        match recovery {
            None => writeln!(out, "nothing to recover: no commit was interrupted")?,
            Some(recovery) => writeln!(out, "{recovery}")?,
        }
    }
    Ok(Outcome::Success)
}

fn baseline(global: &Options, args: &BaselineArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let at = args.at();
    let report = engine.baseline(&at, args.sample, None, args.dry_run)?;
    if global.format == Format::Json {
        json::write(out, "baseline", json::ReportBody { database: engine.store().describe(), dry_run: args.dry_run, report })?;
    } else if !global.quiet {
        let done = if args.dry_run { "would be stamped (dry run)" } else { "stamped" };
        let what = match &at {
            df_migrations::BaselineAt::Release(release) => format!("release {release}"),
            df_migrations::BaselineAt::Versions { .. } => "the versions named".to_owned(),
        };
        writeln!(
            out,
            "{} objects checked (up to {} per table, of {} read) match {what}: {} {done}",
            report.objects_checked,
            args.sample,
            report.objects_read,
            engine.store().describe()
        )?;
    }
    Ok(Outcome::Success)
}

fn open(global: &Options, how: Open) -> anyhow::Result<Box<dyn Store>> {
    let redis = RedisOptions { transactions: global.redis_commit == RedisCommit::Transaction, ..RedisOptions::default() };
    let opened = match how {
        Open::Existing => store::open(&global.db, &redis),
        Open::Create { dry_run: false } => store::open_or_create(&global.db, &redis),
        Open::Create { dry_run: true } => match store::open(&global.db, &redis) {
            Err(StoreError::Missing { .. }) => Ok(Box::new(store::MemoryStore::new()) as Box<dyn Store>),
            opened => opened,
        },
    };
    match opened {
        Err(StoreError::Missing { store }) => Err(Refusal::DatabaseMissing { store }.into()),
        opened => opened.with_context(|| format!("cannot open the database `{}`", store::redact(&global.db))),
    }
}

fn init(global: &Options, args: &InitArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    if engine.status()?.baselined {
        return Err(Refusal::AlreadyInitialized { store: engine.store().describe() }.into());
    }
    let upgrade_args = UpgradeArgs { to_release: None, dry_run: args.dry_run, accept_changed: Vec::new(), init: true };
    run_upgrade(global, "init", &upgrade_args, engine, out)
}

fn status(global: &Options, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let status = engine.status()?;
    let hosts = engine.live_hosts()?;
    if global.format == Format::Json {
        json::write(out, "status", json::StatusBody { database: engine.store().describe(), status, hosts })?;
        return Ok(Outcome::Success);
    }
    writeln!(out, "database: {}", engine.store().describe())?;
    if !status.baselined {
        writeln!(out, "no df-schema state yet: an empty database is initialized with `init`; a database that predates df-schema needs `baseline --release R` (or `--at-version N`, for models without releases) first")?;
    }
    if let Some(interrupted) = status.interrupted_commit {
        writeln!(out, "{interrupted}")?;
    }
    let rows = status.models.iter().map(|(model, versions)| {
        let db = versions.database.map_or_else(|| "-".to_owned(), |v| format!("v{v}"));
        let mark = if versions.database == Some(versions.build) { "" } else { "pending" };
        vec![model.clone(), db, format!("v{}", versions.build), mark.to_owned()]
    });
    report::table(out, &["MODEL", "DATABASE", "BUILD", ""], rows)?;
    writeln!(out, "{} steps pending", status.pending.len())?;
    match &status.last_applied {
        Some(row) => writeln!(out, "last applied: {} ({}) at {}", row.id, row.release, row.applied_at)?,
        None => writeln!(out, "last applied: none")?,
    }
    if hosts.is_empty() {
        writeln!(out, "live hosts: none registered")?;
    } else {
        writeln!(out, "live hosts (plan and upgrade refuse a step one of them cannot survive):")?;
        let rows = hosts.iter().map(|host| {
            let models = host.models.iter().map(|(model, version)| format!("{model} v{version}")).collect::<Vec<_>>().join(", ");
            vec![host.host.clone(), host.heartbeat_at.clone(), host.expires_at.clone(), models]
        });
        report::table(out, &["HOST", "HEARTBEAT", "EXPIRES", "READS AND WRITES"], rows)?;
    }
    Ok(Outcome::Success)
}

fn plan(global: &Options, args: &PlanArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let plan = engine.plan(args.to_release.as_deref())?;
    let steps: Vec<df_migrations::ReportStep> = plan.steps.iter().map(Into::into).collect();
    let check = args.check && !steps.is_empty();
    if global.format == Format::Json {
        json::write(out, "plan", json::PlanBody { to_release: args.to_release.clone(), steps })?;
    } else if !(global.quiet && steps.is_empty()) {
        report::steps(out, &steps)?;
    }
    Ok(if check { Outcome::Pending } else { Outcome::Success })
}

fn upgrade(global: &Options, args: &UpgradeArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    run_upgrade(global, "upgrade", args, engine, out)
}

/// `upgrade`, and `init` (which reports as itself).
fn run_upgrade(global: &Options, command: &str, args: &UpgradeArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let options = UpgradeOptions {
        dry_run: args.dry_run,
        to_release: args.to_release.clone(),
        accept_changed: args.accept_changed.iter().cloned().collect(),
        applied_at: None,
        init: args.init,
    };
    let mut progress = Progress::new(global.quiet || global.format == Format::Json, global.verbose > 0);
    let report = engine.upgrade(&options, &mut |event| progress.event(event))?;
    drop(progress);
    if global.format == Format::Json {
        json::write(out, command, json::ReportBody { database: engine.store().describe(), dry_run: args.dry_run, report })?;
    } else if !global.quiet {
        for id in &report.accepted {
            let done = if report.committed { "accepted" } else { "would accept (dry run)" };
            writeln!(out, "{done} the changed code of migration `{id}` (recorded in the history)")?;
        }
        if report.steps.is_empty() {
            if report.accepted.is_empty() {
                writeln!(out, "nothing pending: the database is at this build's schema")?;
            }
            return Ok(Outcome::Success);
        }
        if global.verbose > 0 || !report.committed {
            report::steps(out, &report.steps)?;
        }
        let verb = if report.committed {
            format!("{} steps committed", report.steps.len())
        } else {
            "dry run: nothing was written".to_owned()
        };
        let verb = verb.as_str();
        report::summary(out, &report, verb)?;
    }
    Ok(Outcome::Success)
}

pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Refusal::NoTerminal { question: question.to_owned() }.into());
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn rollback(global: &Options, args: &RollbackArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut progress = |_: df_migrations::Event<'_>| {};
    let mut options = RollbackOptions { force: args.force, dry_run: true, to_release: args.to_release.clone() };
    if !args.dry_run && !args.yes {
        // Show what would be restored before asking.
        let preview = engine.rollback(&options, &mut progress)?;
        report::summary(&mut std::io::stderr(), &preview, "to be restored")?;
        let before = match preview.rolled_back.as_slice() {
            [one] => format!("from before upgrade run {one}"),
            runs => format!("from before upgrade runs {}", runs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        };
        if !confirm(&format!("Restore {} to its state {before}?", engine.store().describe()))? {
            return Err(Refusal::Declined { what: "rollback" }.into());
        }
    }
    options.dry_run = args.dry_run;
    let report = engine.rollback(&options, &mut progress)?;
    if global.format == Format::Json {
        json::write(out, "rollback", json::ReportBody { database: engine.store().describe(), dry_run: args.dry_run, report })?;
    } else if !global.quiet {
        let runs = report.rolled_back.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let verb = if report.committed {
            format!("restored the state from before upgrade run {runs} (marked rolled back in `history`)")
        } else {
            format!("dry run: nothing was written (would undo upgrade run {runs})")
        };
        let verb = verb.as_str();
        report::summary(out, &report, verb)?;
    }
    Ok(Outcome::Success)
}

fn verify(global: &Options, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut progress = Progress::new(global.quiet || global.format == Format::Json, false);
    let problems = engine.verify(&mut |event| progress.event(event))?;
    drop(progress);
    let outcome = if problems.is_empty() { Outcome::Success } else { Outcome::Problems };
    if global.format == Format::Json {
        json::write(out, "verify", json::VerifyBody { ok: problems.is_empty(), problems })?;
    } else if problems.is_empty() {
        if !global.quiet {
            writeln!(out, "ok: every object decodes as its head model and applied migrations are unchanged")?;
        }
    } else {
        for problem in &problems {
            writeln!(out, "problem: {problem}")?;
        }
    }
    Ok(outcome)
}
