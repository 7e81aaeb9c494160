//! `demo`: the README's first command. Seeds a realistic Dragonflow 2.0 deployment into a
//! fresh embedded database, stamps it as 2.0, and upgrades it to this build's schema with
//! df-runner's own commands, showing what an operator would see.

use df_migrations::store::{Op, RedbStore, Store};
use df_migrations::{Build, Engine};
use df_runner::{Command, Format, Options, Outcome, PlanArgs, UpgradeArgs};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `demo`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// About how many objects to generate.
    #[arg(long, default_value_t = 2000)]
    objects: usize,
    /// The embedded database file to create, or to replace if an earlier `demo` created
    /// it (any other file is refused untouched).
    #[arg(long, default_value = "df-demo.redb")]
    file: PathBuf,
}

/// Seeds the deployment, then runs `status`, `plan`, `upgrade` and `verify` on it.
pub fn run(options: &Options, args: &Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let text = options.format == Format::Text && !options.quiet;
    let count = seed(args)?;
    let options = Options { db: format!("redb:{}", args.file.display()), ..options.clone() };
    let upgrade = ("upgrade", Command::Upgrade(UpgradeArgs { to_release: None, dry_run: false, accept_changed: Vec::new(), init: false }));
    let commands = if text {
        writeln!(out, "== seeded {count} keys of a Dragonflow 2.0 deployment into {} and stamped it as release 2.0", args.file.display())?;
        vec![("status", Command::Status), ("plan", Command::Plan(PlanArgs { check: false, to_release: None })), upgrade, ("verify", Command::Verify)]
    } else {
        // One JSON document, holding the upgrade's and verify's.
        vec![upgrade, ("verify", Command::Verify)]
    };
    let mut outcome = Outcome::Success;
    let mut documents = Vec::new();
    for (name, command) in &commands {
        if text {
            writeln!(out, "\n== {name}")?;
            outcome = df_runner::run(&options, command, out)?;
        } else {
            let mut document = Vec::new();
            outcome = df_runner::run(&options, command, &mut document)?;
            // Quiet text prints nothing; JSON is one document holding the commands' own.
            if options.format == Format::Json {
                documents.push(serde_json::from_slice(&document)?);
            }
        }
    }
    if let Ok([upgrade, verify]) = <[serde_json::Value; 2]>::try_from(documents) {
        df_runner::json::write(out, "demo", Body { file: args.file.display().to_string(), seeded_keys: count, upgrade, verify })?;
    }
    if text {
        writeln!(out, "\nNext: `dragonflow-runner --db {} history`, `… rollback --yes`, or point --db at your own database.", args.file.display())?;
    }
    Ok(outcome)
}

/// `demo --format json`: one document holding the documents of the commands it ran.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Body {
    /// The embedded database file it created.
    file: String,
    /// How many keys of a Dragonflow 2.0 deployment it seeded (then stamped as 2.0).
    seeded_keys: usize,
    /// The upgrade's document.
    #[schemars(with = "df_runner::json::Document<df_runner::json::ReportBody>")]
    upgrade: serde_json::Value,
    /// The document of the `verify` after it.
    #[schemars(with = "df_runner::json::Document<df_runner::json::VerifyBody>")]
    verify: serde_json::Value,
}

/// The record that marks a database as one `demo` created, and so may replace.
fn demo_mark() -> String {
    df_migrations::layout::Key::object(df_migrations::layout::ENGINE_TABLE, "", "demo").encode()
}

/// Opens the demo's file: a new one, or one an earlier `demo` created, emptied under its
/// file lock (so not while another process has it open). Any other file is refused
/// untouched.
fn fresh(file: &Path) -> anyhow::Result<RedbStore> {
    if !file.exists() {
        return Ok(RedbStore::create(file)?);
    }
    let mut store = RedbStore::open(file)?;
    let mark = demo_mark();
    if store.get_many(std::slice::from_ref(&mark))?.first().is_none_or(Option::is_none) {
        anyhow::bail!(
            "{} exists and is not a database that `demo` created, so demo leaves it alone: give another --file \
             (demo replaces only its own)",
            file.display()
        );
    }
    let mut keys = Vec::new();
    store.scan("", &mut |key, _| keys.push(Op::Delete(String::from_utf8_lossy(key).into_owned())))?;
    store.write(&keys)?;
    Ok(store)
}

/// Writes the generated deployment and stamps it as release 2.0; returns the key count.
fn seed(args: &Args) -> anyhow::Result<usize> {
    let mut store = fresh(&args.file)?;
    let mut engine = Engine::new(&mut store, Build::linked()?);
    let mut keys: Vec<Op> = dragonflow_fixtures::generate(args.objects, 2017).into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    keys.push(Op::Set(demo_mark(), b"created by dragonflow-runner demo".to_vec()));
    let count = engine.import(keys, false)?;
    engine.baseline(&df_migrations::BaselineAt::release("2.0"), std::num::NonZeroUsize::new(1000).unwrap(), None, false)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    /// `json-schema/demo.json` is the generated schema; `DF_SCHEMA_BLESS=1` rewrites it.
    #[test]
    fn the_checked_in_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("json-schema/demo.json");
        let text = format!("{}\n", serde_json::to_string_pretty(&df_runner::json::schema_of::<super::Body>(Some("demo"))).unwrap());
        if std::env::var_os("DF_SCHEMA_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some(text.as_str()), "{} is stale: run `DF_SCHEMA_BLESS=1 cargo test -p dragonflow-runner demo::`", path.display());
    }
}
