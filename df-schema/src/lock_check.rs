//! The check behind `check_schema_lock!()`: the part of the rules a proc macro cannot see,
//! because it needs every model and migration of a crate at once (a model deleted from
//! the code leaves no item for a macro to run on).

use crate::registry::{self, MigrationTarget};
use df_schema_core::{check_lock_coverage, CoverageError, Lock};
use std::path::{Path, PathBuf};

fn same_file(a: &str, b: &Path) -> bool {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canonical(Path::new(a)) == canonical(b)
}

/// Panics, listing every problem, unless every model recorded in the lock at `path` is
/// declared by a linked `#[df_model]` or removed by a linked `#[migration(removes = …)]`,
/// and every declared model's history agrees with the lock.
pub fn assert_lock_consistent(path: &str) {
    let path = PathBuf::from(path);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the schema lock {}: {e}", path.display()));
    let lock = Lock::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let models: Vec<_> = registry::models().into_iter().filter(|m| same_file(m.lock, &path)).collect();
    let migrations: Vec<_> = registry::migrations().into_iter().filter(|m| same_file(m.lock, &path)).collect();
    let declared: Vec<&str> = models.iter().map(|m| m.name).collect();
    let removals: Vec<(&str, &str)> = migrations
        .iter()
        .filter_map(|m| match m.target {
            MigrationTarget::Removes { model, .. } => Some((m.id, model)),
            MigrationTarget::Step { .. } => None,
        })
        .collect();
    let embedded: Vec<&str> =
        registry::embedded().into_iter().filter(|e| same_file(e.lock, &path)).map(|e| e.name).collect();
    let coverage = check_lock_coverage(&lock, &declared, &removals, &embedded);
    let (stale, coverage): (Vec<_>, Vec<_>) = coverage.into_iter().partition(|e| matches!(e, CoverageError::StaleEmbedded { .. }));
    let mut problems: Vec<String> = coverage.iter().map(ToString::to_string).collect();
    if !stale.is_empty() {
        if df_schema_core::Mode::from_env().may_write() {
            // Dropping the record of a deleted struct is always safe: model versions keep
            // their own copy of every shape.
            let mut pruned = lock.clone();
            pruned.embedded.retain(|name, _| embedded.contains(&name.as_str()));
            std::fs::write(&path, pruned.to_text()).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        } else {
            problems.extend(stale.iter().map(ToString::to_string));
        }
    }
    for model in &models {
        if lock.models.get(model.name) != Some((model.history)()) {
            problems.push(format!(
                "{} was compiled against another version of the lock: rebuild (cargo rebuilds when the lock changes)",
                model.name
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the schema lock {} and the code disagree:\n- {}",
        path.display(),
        problems.join("\n- ")
    );
}

