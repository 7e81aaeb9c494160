//! `export` and `import`, in the JSON Lines format of `df_migrations::transfer`.

use crate::cli::{Format, ImportArgs, Options};
use crate::Outcome;
use anyhow::Context;
use df_migrations::transfer::{read_export, write_export};
use df_migrations::Engine;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

pub fn export(global: &Options, file: &Path, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let entries = engine.dump()?;
    let describe = engine.store().describe();
    let mut writer = BufWriter::new(std::fs::File::create(file).with_context(|| format!("cannot create {}", file.display()))?);
    let count = write_export(&mut writer, &describe, entries.into_iter())?;
    if global.format == Format::Json {
        crate::report::json(out, &serde_json::json!({"file": file, "keys": count}))?;
    } else if !global.quiet {
        writeln!(out, "exported {count} keys from {describe} to {}", file.display())?;
    }
    Ok(Outcome::Success)
}

pub fn import(global: &Options, args: &ImportArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let ops = read_export(&mut BufReader::new(file)).with_context(|| format!("{} is not a complete export", args.file.display()))?;
    let count = if args.dry_run { ops.len() } else { engine.import(ops, args.force)? };
    if global.format == Format::Json {
        crate::report::json(out, &serde_json::json!({"file": args.file, "keys": count, "dry_run": args.dry_run}))?;
    } else if !global.quiet {
        let done = if args.dry_run { "checked (dry run: nothing was written)" } else { "imported" };
        writeln!(out, "{count} keys {done} from {} into {}", args.file.display(), engine.store().describe())?;
    }
    Ok(Outcome::Success)
}
