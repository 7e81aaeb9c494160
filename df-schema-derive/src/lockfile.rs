//! Where the schema lock is, reading it, and recording into it in bless mode.
//!
//! The lock is `df-schema.lock` at the crate root (`CARGO_MANIFEST_DIR`). An item may name
//! another file with `lock = "…"`, relative to the source file the item is in (as
//! `include_str!` does), which is how every UI test carries its own lock.
//!
//! Recording happens only when `DF_SCHEMA_BLESS` is set and `CI` is not. Writes take an
//! exclusive file lock, so crates sharing a lock can build in parallel.

use df_schema_core::{Lock, ModelHistory, LOCK_FILE_NAME};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
pub fn read(path: &Path) -> Result<Arc<Lock>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Arc::default()),
        Err(e) => Err(format!("cannot read the schema lock {}: {e}", path.display())),
    }
}

/// The locks parsed by this process, by path, with the text each was parsed from.
///
/// Every item of a crate reads the same lock and the compiler keeps the macro library
/// loaded for the whole crate, so parsing it (and checking every fingerprint) once per item
/// made a crate of n models quadratic to expand: in a crate of 200 models, most of the
/// macro's time. A parse is reused only for the very same text, compared whole rather
/// than by modification time, so a lock rewritten by a recording item, or edited while a
/// long-lived process (an IDE's macro server) keeps the library loaded, is parsed again.
static PARSED: Mutex<BTreeMap<PathBuf, (String, Arc<Lock>)>> = Mutex::new(BTreeMap::new());

fn parse(path: &Path, text: String) -> Result<Arc<Lock>, String> {
    // Entries are replaced whole, so a panic elsewhere cannot leave one half-written.
    let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((cached, lock)) = parsed.get(path) {
        if *cached == text {
            return Ok(Arc::clone(lock));
        }
    }
    let lock = Arc::new(Lock::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?);
    parsed.insert(path.to_owned(), (text, Arc::clone(&lock)));
    Ok(lock)
}

/// Re-reads the lock under an exclusive file lock, applies `update` and writes it back,
/// so that records made by other items (or other crates) in the meantime are kept.
pub fn update(path: &Path, update: impl FnOnce(&mut Lock)) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot record into the schema lock {}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(fail)?;
    file.lock().map_err(fail)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(fail)?;
    let mut lock = Lock::clone(&*parse(path, text.clone())?);
    update(&mut lock);
    let new_text = lock.to_text();
    if new_text != text {
        file.set_len(0).map_err(fail)?;
        file.rewind().map_err(fail)?;
        file.write_all(new_text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        // The next item reads what was just written: it need not parse it again.
        PARSED.lock().unwrap_or_else(PoisonError::into_inner).insert(path.to_owned(), (new_text, Arc::new(lock)));
    }
    Ok(())
}

/// An expression of type `fn() -> &'static ModelHistory` that returns `history`, parsed
/// once at run time from the lock text embedded here (only `name`'s record).
pub fn history_fn(name: &str, history: &ModelHistory) -> TokenStream {
    let mut single = Lock::default();
    single.models.insert(name.to_owned(), history.clone());
    let text = single.to_text();
    quote! {{
        fn history() -> &'static ::df_schema::__private::ModelHistory {
            static HISTORY: ::df_schema::__private::OnceLock<::df_schema::__private::ModelHistory> =
                ::df_schema::__private::OnceLock::new();
            ::df_schema::__private::history_once(&HISTORY, #name, #text)
        }
        history
    }}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_embedded(name: &str) -> Lock {
        let mut lock = Lock::default();
        lock.embedded.insert(name.to_owned(), "{a: str}".parse().unwrap());
        lock
    }

    #[test]
    fn a_parse_is_reused_only_while_the_text_is_the_same() {
        let path = std::env::temp_dir().join(format!("df-schema-lockfile-test-{}.lock", std::process::id()));
        std::fs::write(&path, with_embedded("First").to_text()).unwrap();
        let first = read(&path).unwrap();
        assert!(Arc::ptr_eq(&first, &read(&path).unwrap()), "the same text is parsed once");
        // Same length, different text: whatever the modification time says, it is read again.
        std::fs::write(&path, with_embedded("Other").to_text()).unwrap();
        assert_eq!(*read(&path).unwrap(), with_embedded("Other"));
        // A recording is what the next read sees.
        update(&path, |lock| *lock = with_embedded("Third")).unwrap();
        assert_eq!(*read(&path).unwrap(), with_embedded("Third"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), with_embedded("Third").to_text());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(*read(&path).unwrap(), Lock::default(), "a missing lock is empty");
    }
}
