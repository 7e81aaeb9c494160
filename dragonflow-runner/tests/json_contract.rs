//! The `--format json` contract: every command, succeeding or failing, prints exactly one
//! document on standard output, valid against its checked-in JSON Schema (validated with
//! the `jsonschema` crate, strictly: a field the schema does not declare fails), with the
//! exit code the documentation gives.

use assert_cmd::Command;
use df_migrations::store::{Op, RedbStore};
use serde_json::Value;
use std::path::Path;

/// The checked-in schema of a document, made strict: every object schema that lists its
/// properties allows no others, so that an undocumented field fails the test.
fn strict_schema(name: &str) -> Value {
    let dir = if name == "demo" { env!("CARGO_MANIFEST_DIR").to_owned() } else { format!("{}/../df-runner", env!("CARGO_MANIFEST_DIR")) };
    let path = format!("{dir}/json-schema/{name}.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap();
    close(&mut schema);
    schema
}

/// Forbids properties an object schema does not list, throughout `value`.
fn close(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.contains_key("properties") && !object.contains_key("additionalProperties") {
                object.insert("additionalProperties".into(), false.into());
            }
            object.values_mut().for_each(close);
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}

/// Runs the runner on `db` with `--format json`, checks the exit code, that standard output
/// is exactly one document valid against the schema `schema`, and that standard error
/// holds no error line; returns the document.
fn document(db: &Path, args: &[&str], code: i32, schema: &str) -> Value {
    let output = Command::cargo_bin("dragonflow-runner")
        .unwrap()
        .env_remove("DF_DB_URL")
        .args(["--db", db.to_str().unwrap(), "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}\n{}", String::from_utf8_lossy(&output.stdout));
    assert!(!stderr.contains("error:"), "{args:?}: an error under --format json went to standard error: {stderr}");
    // `from_slice` refuses anything after the first document.
    let document: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: standard output is not one JSON document ({e}):\n{}", String::from_utf8_lossy(&output.stdout)));
    let validator = jsonschema::validator_for(&strict_schema(schema)).unwrap();
    let errors: Vec<String> = validator.iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{args:?}: the document does not match {schema}.json:\n{}\n{document:#}", errors.join("\n"));
    assert_eq!(document["format_version"], 1, "{args:?}");
    document
}

/// An unstamped Dragonflow 2.0 deployment, as one that predates df-schema.
fn predating(path: &Path) {
    let mut store = RedbStore::create(path).unwrap();
    let ops: Vec<Op> = dragonflow_fixtures::generate(200, 7).into_iter().map(|(k, v)| Op::Set(k, v)).collect();
    df_migrations::store::Store::write(&mut store, &ops).unwrap();
}

#[test]
fn every_command_prints_one_document_valid_against_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.redb");
    let demo = document(&db, &["demo", "--objects", "200", "--file", db.to_str().unwrap()], 0, "demo");
    assert_eq!((&demo["command"], &demo["upgrade"]["committed"], &demo["verify"]["ok"]), (&"demo".into(), &true.into(), &true.into()));

    let status = document(&db, &["status"], 0, "status");
    assert_eq!(status["models"]["LogicalPort"], serde_json::json!({"database": 5, "build": 5}));
    document(&db, &["plan"], 0, "plan");
    document(&db, &["history"], 0, "history");
    document(&db, &["lease"], 0, "lease");
    assert_eq!(document(&db, &["lease", "break", "--yes"], 0, "lease-break")["broken"], false);
    document(&db, &["recover"], 0, "recover");
    document(&db, &["verify"], 0, "verify");
    let schema = document(&db, &["schema"], 0, "schema");
    let chassis = schema["models"].as_array().unwrap().iter().find(|m| m["model"] == "Chassis").unwrap();
    assert_eq!(chassis["steps"][0]["changes"][0]["kind"], "field_removed");
    let diff = document(&db, &["schema", "diff", "LogicalPort", "1", "2"], 0, "schema-diff");
    assert_eq!((&diff["changes"][0]["field"], &diff["changes"][0]["from"]), (&"tunnel_key".into(), &"i64".into()));
    let export = dir.path().join("all.jsonl");
    document(&db, &["export", export.to_str().unwrap()], 0, "export");

    let dry = document(&db, &["rollback", "--dry-run"], 0, "rollback");
    assert_eq!((&dry["dry_run"], &dry["committed"]), (&true.into(), &false.into()));
    document(&db, &["rollback", "--yes"], 0, "rollback");
    let pending = document(&db, &["plan", "--check", "--to", "4.0"], 3, "plan");
    assert_eq!(pending["to_release"], "4.0");
    assert_eq!(pending["steps"][0]["kind"], "new_model");
    let verify = document(&db, &["verify"], 1, "verify");
    assert_eq!((&verify["ok"], &verify["problems"][0]["code"]), (&false.into(), &"steps_pending".into()));
    let dry = document(&db, &["upgrade", "--dry-run"], 0, "upgrade");
    assert_eq!((&dry["dry_run"], &dry["committed"]), (&true.into(), &false.into()));
    let upgrade = document(&db, &["upgrade"], 0, "upgrade");
    assert!(upgrade["seconds"]["read"].is_f64(), "durations are numbers of seconds: {upgrade:#}");
    let history = document(&db, &["history"], 0, "history");
    let actions: Vec<&str> = history["runs"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["import", "baseline", "upgrade", "rollback", "upgrade"], "demo seeds with an import: {history:#}");
    assert_eq!(history["runs"][2]["rolled_back"]["by"], 4);
    let images = document(&db, &["images"], 0, "images");
    assert_eq!(images["images"].as_array().unwrap().len(), 1, "the rolled-back upgrade's image went with its rollback: {images:#}");
    assert_eq!(document(&db, &["images", "prune", "--keep", "0", "--dry-run"], 0, "images-prune")["pruned"], serde_json::json!([5]));
    let error = document(&db, &["rollback", "--to", "9.9"], 1, "error");
    assert_eq!(error["error"]["code"], "unknown_release");
    let error = document(&db, &["rollback", "--yes", "--to", "5.0"], 1, "error");
    assert_eq!(error["error"]["code"], "already_at_release");

    let imported = dir.path().join("imported.redb");
    assert_eq!(document(&imported, &["import", "--dry-run", export.to_str().unwrap()], 0, "import")["dry_run"], true);
    document(&imported, &["import", export.to_str().unwrap()], 0, "import");
    let runs = &document(&imported, &["history"], 0, "history")["runs"];
    let trail: Vec<(u64, &str)> = runs.as_array().unwrap().iter().map(|r| (r["seq"].as_u64().unwrap(), r["action"].as_str().unwrap())).collect();
    assert_eq!(trail, [(1, "import"), (2, "baseline"), (3, "upgrade"), (4, "import")], "the trail of the export (taken after the first upgrade), then the import");

    let new = dir.path().join("new.redb");
    assert_eq!(document(&new, &["init", "--dry-run"], 0, "init")["dry_run"], true);
    assert_eq!(document(&new, &["init"], 0, "init")["committed"], true);

    let old = dir.path().join("old.redb");
    predating(&old);
    assert_eq!(document(&old, &["baseline", "--release", "2.0", "--dry-run"], 0, "baseline")["dry_run"], true);
    document(&old, &["baseline", "--release", "2.0"], 0, "baseline");
}

#[test]
fn an_error_is_a_document_with_a_stable_code_and_the_ids_involved() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.redb");
    let error = document(&missing, &["status"], 1, "error");
    assert_eq!((&error["command"], &error["error"]["code"]), (&"status".into(), &"database_missing".into()));
    assert_eq!(error["error"]["ids"]["store"], format!("redb:{}", missing.display()));
    assert!(error["error"]["message"].as_str().unwrap().contains("does not exist"), "{error:#}");
    assert!(!missing.exists());

    let db = dir.path().join("nb.redb");
    document(&db, &["init"], 0, "init");
    let error = document(&db, &["upgrade", "--to", "40"], 1, "error");
    assert_eq!((&error["error"]["code"], &error["error"]["ids"]["release"]), (&"unknown_release".into(), &"40".into()));
    assert_eq!(document(&db, &["init"], 1, "error")["error"]["code"], "already_initialized");
    let error = document(&db, &["upgrade", "--accept-changed", "nosuch"], 1, "error");
    assert_eq!((&error["error"]["code"], &error["error"]["ids"]["migration"]), (&"not_acceptable".into(), &"nosuch".into()));
    let error = document(&db, &["schema", "diff", "Nope", "1", "2"], 1, "error");
    assert_eq!((&error["command"], &error["error"]["code"], &error["error"]["ids"]["model"]), (&"schema diff".into(), &"unknown_model".into(), &"Nope".into()));
    let error = document(&db, &["rollback"], 1, "error");
    assert_eq!(error["error"]["code"], "no_terminal", "{error:#}");

    // A command line that cannot be parsed: exit 2, and no command to name.
    let error = document(&db, &["upgrade", "--bogus"], 2, "error");
    assert_eq!((&error["command"], &error["error"]["code"]), (&Value::Null, &"usage".into()));
    assert!(error["error"]["message"].as_str().unwrap().contains("--bogus"), "{error:#}");
}
