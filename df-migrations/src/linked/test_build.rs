//! Builds of made-up models and migrations for the engine's unit tests: registry entries
//! are `'static` (the registry's live as long as the program), so these are leaked, which
//! a test process can afford.

use df_schema::core::{Field, ModelHistory, Ty, VersionRecord, VersionSchema};
use df_schema::registry::{MigrationEntry, MigrationFn, MigrationTarget, ModelEntry};
use serde_json::json;

/// The history of a model whose versions `1..` have the given release and fields (`name`,
/// or `name=default` for a string field with a default), all in table `table`.
pub fn history(table: &str, versions: &[(&str, &[&str])]) -> ModelHistory {
    let mut history = ModelHistory::default();
    for (i, (release, fields)) in versions.iter().enumerate() {
        let fields = fields
            .iter()
            .map(|f| {
                let (name, default) = match f.split_once('=') {
                    Some((n, d)) => (n, Some(json!(d))),
                    None => (*f, None),
                };
                Field { name: name.into(), ty: Ty::Str, nullable: false, default }
            })
            .collect();
        let release = (!release.is_empty()).then(|| (*release).to_owned());
        history.versions.insert(u32::try_from(i + 1).expect("a test model has few versions"), VersionRecord::new(VersionSchema::new(table.to_owned(), release, fields)));
    }
    history
}

/// A model entry named `name` over `history` (its table and head version taken from it).
pub fn model(name: &'static str, history: fn() -> &'static ModelHistory) -> &'static ModelEntry {
    let (version, head) = history().latest().expect("test models have versions");
    let table: &'static str = Box::leak(head.schema.table.clone().into_boxed_str());
    let entry = ModelEntry { name, table, version, fingerprint: "", has_topic: false, history, decode: |_| Ok(()), module_path: "", lock: "" };
    Box::leak(Box::new(entry))
}

/// A hand-written migration entry.
pub fn migration(id: &'static str, target: MigrationTarget, proposed_at: &'static str, run: MigrationFn, tables: Option<&'static [&'static str]>) -> &'static MigrationEntry {
    let description: &'static str = Box::leak(format!("{id} description").into_boxed_str());
    let checksum: &'static str = Box::leak(format!("sum-{id}").into_boxed_str());
    let entry = MigrationEntry { id, target, release: "x", proposed_at, description, checksum, run, tables, lock: "", down: None };
    Box::leak(Box::new(entry))
}

/// A whole-database migration of `model`'s step to `to` that changes nothing.
pub fn step(id: &'static str, model: &'static str, to: u32, proposed_at: &'static str) -> &'static MigrationEntry {
    migration(id, MigrationTarget::Step { model, to }, proposed_at, MigrationFn::Whole(|_| Ok(())), None)
}

/// `test_model!("Name", "table", [("release", &["field", "field=default"]), …])`: a model
/// entry whose history is built once, behind a function of its own (the registry holds a
/// function pointer, which cannot capture).
macro_rules! test_model {
    ($name:literal, $table:literal, $versions:expr) => {{
        fn history() -> &'static ::df_schema::core::ModelHistory {
            static CELL: ::std::sync::OnceLock<::df_schema::core::ModelHistory> = ::std::sync::OnceLock::new();
            CELL.get_or_init(|| $crate::linked::test_build::history($table, $versions))
        }
        $crate::linked::test_build::model($name, history)
    }};
}
pub(crate) use test_model;
