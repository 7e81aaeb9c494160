//! The `--format json` contract: every command prints exactly one document on standard
//! output, an object with the format version, the command and the command's fields, or,
//! when the command fails, its error. Each document's JSON Schema is generated from the
//! types below and checked into `df-runner/json-schema/`; a test keeps the two equal, so
//! the documented contract cannot drift from what is printed.
//!
//! [`FORMAT_VERSION`] changes when a field is removed, renamed or changes meaning; adding
//! a field does not change it, so readers should ignore fields they do not know.

mod diagnose;
mod documents;

pub use diagnose::diagnose;
pub use documents::{
    Change, ChangeKind, DiffBody, ErrorBody, ExportBody, HistoryBody, HolderBody, ImageBody, ImagesBody, ImportBody, LeaseBody, LeaseBreakBody, ModelBody,
    PlanBody, PruneBody, RecoverBody, ReportBody, SchemaBody, SchemaStep, StatusBody, VerifyBody,
};

use schemars::JsonSchema;
use serde::Serialize;
use std::io::Write;

/// The version of the JSON documents' format.
pub const FORMAT_VERSION: u32 = 1;

/// One document: the envelope every command's JSON shares, around the command's fields.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Document<T> {
    /// The version of this format ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The command that printed it (`status`, `lease break`, …); in an error document,
    /// `null` when the command line could not be parsed.
    pub command: Option<String>,
    /// The command's fields.
    #[serde(flatten)]
    pub body: T,
}

impl<T> Document<T> {
    /// The document of `command` with `body`.
    pub fn new(command: &str, body: T) -> Document<T> {
        Document { format_version: FORMAT_VERSION, command: Some(command.to_owned()), body }
    }
}

/// Writes the document of `command` with `body` as pretty JSON and a newline.
pub fn write(out: &mut dyn Write, command: &str, body: impl Serialize) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(&Document::new(command, body))?)?;
    Ok(())
}

/// Prints the error document of `command` (`None`: a command line that could not be
/// parsed) on standard output, where a script reads the command's one document.
pub fn print_error(command: Option<&str>, error: df_migrations::Diagnostic) {
    let document = Document { format_version: FORMAT_VERSION, command: command.map(str::to_owned), body: ErrorBody { error } };
    println!("{}", serde_json::to_string_pretty(&document).expect("an error document serializes"));
}

/// The JSON Schema of the document of `command` with the body `T`: the envelope's fields
/// pinned to this command and format version.
pub fn schema_of<T: JsonSchema>(command: Option<&str>) -> serde_json::Value {
    // The contract of what is printed: a field that is always printed is required, even
    // when it may be `null`.
    let generator = schemars::generate::SchemaSettings::draft2020_12().for_serialize().into_generator();
    let mut schema = serde_json::to_value(generator.into_root_schema_for::<Document<T>>()).expect("a schema serializes");
    let file = command.map_or_else(|| "error".to_owned(), |c| c.replace(' ', "-"));
    schema["$id"] = format!("https://df-schema.dev/json-schema/v{FORMAT_VERSION}/{file}.json").into();
    schema["title"] = match command {
        Some(command) => format!("df-runner {command} --format json"),
        None => "df-runner error --format json".to_owned(),
    }
    .into();
    let properties = &mut schema["properties"];
    properties["format_version"] = serde_json::json!({"description": "The version of this format.", "const": FORMAT_VERSION});
    if let Some(command) = command {
        properties["command"] = serde_json::json!({"description": "The command that printed it.", "const": command});
    }
    schema
}

/// Every shared command's schema, by the file name it is checked in as
/// (`df-runner/json-schema/<name>.json`); `error` is the document of any failed command.
pub fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("init", schema_of::<ReportBody>(Some("init"))),
        ("status", schema_of::<StatusBody>(Some("status"))),
        ("plan", schema_of::<PlanBody>(Some("plan"))),
        ("upgrade", schema_of::<ReportBody>(Some("upgrade"))),
        ("rollback", schema_of::<ReportBody>(Some("rollback"))),
        ("history", schema_of::<HistoryBody>(Some("history"))),
        ("images", schema_of::<ImagesBody>(Some("images"))),
        ("images-prune", schema_of::<PruneBody>(Some("images prune"))),
        ("lease", schema_of::<LeaseBody>(Some("lease"))),
        ("lease-break", schema_of::<LeaseBreakBody>(Some("lease break"))),
        ("recover", schema_of::<RecoverBody>(Some("recover"))),
        ("verify", schema_of::<VerifyBody>(Some("verify"))),
        ("schema", schema_of::<SchemaBody>(Some("schema"))),
        ("schema-diff", schema_of::<DiffBody>(Some("schema diff"))),
        ("baseline", schema_of::<ReportBody>(Some("baseline"))),
        ("export", schema_of::<ExportBody>(Some("export"))),
        ("import", schema_of::<ImportBody>(Some("import"))),
        ("error", schema_of::<ErrorBody>(None)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_flat_and_versioned() {
        let document = serde_json::to_value(Document::new("recover", RecoverBody { recovered: None })).unwrap();
        assert_eq!(document, serde_json::json!({"format_version": FORMAT_VERSION, "command": "recover", "recovered": null}));
    }

    #[test]
    fn a_schema_pins_its_command_and_version() {
        let schema = schema_of::<RecoverBody>(Some("lease break"));
        assert_eq!(schema["properties"]["command"]["const"], "lease break");
        assert_eq!(schema["properties"]["format_version"]["const"], FORMAT_VERSION);
        assert!(schema["$id"].as_str().unwrap().ends_with("/lease-break.json"));
        assert!(schema["required"].as_array().unwrap().contains(&"recovered".into()), "{schema:#}");
    }

    /// The checked-in schemas are the generated ones; `DF_SCHEMA_BLESS=1` rewrites them.
    #[test]
    fn the_checked_in_schemas_are_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("json-schema");
        let bless = std::env::var_os("DF_SCHEMA_BLESS").is_some();
        let mut stale = Vec::new();
        for (name, schema) in schemas() {
            let path = dir.join(format!("{name}.json"));
            let text = format!("{}\n", serde_json::to_string_pretty(&schema).unwrap());
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "these JSON Schemas differ from the types the runner prints: {stale:?}. If the change is meant, \
             run `DF_SCHEMA_BLESS=1 cargo test -p df-runner json::` and review the diff (a removed or renamed \
             field also bumps FORMAT_VERSION)"
        );
    }
}
