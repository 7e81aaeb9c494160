//! Where the schema lock is, reading it, and recording into it in bless mode.
//!
//! The lock is `df-schema.lock` at the crate root (`CARGO_MANIFEST_DIR`). An item may name
//! another file with `lock = "…"`, relative to the source file the item is in (as
//! `include_str!` does), which is how every UI test carries its own lock.
//!
//! Recording happens only when `DF_SCHEMA_BLESS` is set and `CI` is not. Writes take an
//! exclusive file lock, so crates sharing a lock can build in parallel.

use df_schema_core::{Lock, LOCK_FILE_NAME};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The absolute path of the source file the macro was invoked in, if the compiler says.
pub fn caller_file() -> Option<PathBuf> {
    let file = proc_macro::Span::call_site().local_file()?;
    if file.is_absolute() {
        Some(file)
    } else {
        // Cargo passes paths relative to the directory it runs rustc in.
        std::env::current_dir().ok().map(|dir| dir.join(file))
    }
}

/// Resolves the lock path for an item.
pub fn lock_path(explicit: Option<&str>, caller: Option<&Path>) -> Result<PathBuf, String> {
    match explicit {
        Some(relative) => {
            let dir = caller
                .and_then(Path::parent)
                .ok_or("the compiler did not say which file this item is in, so `lock` cannot be resolved")?;
            Ok(dir.join(relative))
        }
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(|dir| PathBuf::from(dir).join(LOCK_FILE_NAME))
            .ok_or_else(|| "CARGO_MANIFEST_DIR is not set: build with cargo, or name the lock with `lock = \"…\"`".to_owned()),
    }
}

/// The lock as the developer names it in messages: `df-schema.lock`, or what `lock = "…"` says.
pub fn display_name(explicit: Option<&str>) -> String {
    explicit.unwrap_or(LOCK_FILE_NAME).to_owned()
}

/// Reads the lock; a missing file is an empty lock.
pub fn read(path: &Path) -> Result<Lock, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Lock::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
        Err(e) => Err(format!("cannot read the schema lock {}: {e}", path.display())),
    }
}

/// Re-reads the lock under an exclusive file lock, applies `update` and writes it back,
/// so that records made by other items (or other crates) in the meantime are kept.
pub fn update(path: &Path, update: impl FnOnce(&mut Lock)) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot record into the schema lock {}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(fail)?;
    file.lock().map_err(fail)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(fail)?;
    let mut lock = Lock::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    update(&mut lock);
    let new_text = lock.to_text();
    if new_text != text {
        file.set_len(0).map_err(fail)?;
        file.rewind().map_err(fail)?;
        file.write_all(new_text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    Ok(())
}
