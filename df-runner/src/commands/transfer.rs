//! `export` and `import`, in the JSON Lines format of `df_migrations::transfer`.

use crate::cli::{Format, ImportArgs, Options};
use crate::refusal::Refusal;
use crate::Outcome;
use anyhow::Context;
use df_migrations::transfer::{read_export, write_export};
use df_migrations::Engine;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

/// Whether a file argument is `-`: standard output for `export`, standard input for
/// `import`.
fn is_stdio(file: &Path) -> bool {
    file.as_os_str() == "-"
}

/// Refuses `file` when it is the embedded database itself: writing an export over it
/// would destroy it, and reading it as an export makes no sense.
fn not_the_database(global: &Options, file: &Path) -> Result<(), Refusal> {
    let same = |db: &Path| matches!((db.canonicalize(), file.canonicalize()), (Ok(a), Ok(b)) if a == b);
    match df_migrations::store::redb_file(&global.db) {
        Some(db) if same(db) => Err(Refusal::LiveDatabaseFile { file: file.display().to_string() }),
        _ => Ok(()),
    }
}

pub fn export(global: &Options, file: &Path, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    not_the_database(global, file)?;
    let entries = engine.export()?;
    let describe = engine.store().describe();
    let count = if is_stdio(file) {
        let mut writer = BufWriter::new(&mut *out);
        let count = write_export(&mut writer, &describe, entries.into_iter())?;
        writer.flush()?;
        count
    } else {
        let mut writer = BufWriter::new(std::fs::File::create(file).with_context(|| format!("cannot create {}", file.display()))?);
        let count = write_export(&mut writer, &describe, entries.into_iter())?;
        writer.flush().with_context(|| format!("cannot write {}", file.display()))?;
        count
    };
    // With the export on standard output, the report goes to standard error.
    let mut stderr = std::io::stderr();
    let report: &mut dyn Write = if is_stdio(file) { &mut stderr } else { out };
    if global.format == Format::Json {
        crate::json::write(report, "export", crate::json::ExportBody { database: describe, file: file.display().to_string(), keys: count })?;
    } else if !global.quiet {
        writeln!(report, "exported {count} keys from {describe} to {}", if is_stdio(file) { "standard output".to_owned() } else { file.display().to_string() })?;
    }
    Ok(Outcome::Success)
}

pub fn import(global: &Options, args: &ImportArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    not_the_database(global, &args.file)?;
    let source = if is_stdio(&args.file) { "standard input".to_owned() } else { args.file.display().to_string() };
    let ops = if is_stdio(&args.file) {
        read_export(&mut std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {source}"))?;
        read_export(&mut BufReader::new(file))
    };
    let ops = ops.with_context(|| format!("{source} is not a complete export"))?;
    let count = if args.dry_run { ops.len() } else { engine.import(ops, args.force)? };
    if global.format == Format::Json {
        let body = crate::json::ImportBody { database: engine.store().describe(), dry_run: args.dry_run, file: args.file.display().to_string(), keys: count };
        crate::json::write(out, "import", body)?;
    } else if !global.quiet {
        let done = if args.dry_run { "checked (dry run: nothing was written)" } else { "imported" };
        writeln!(out, "{count} keys {done} from {source} into {}", engine.store().describe())?;
    }
    Ok(Outcome::Success)
}
