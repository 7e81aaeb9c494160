//! A runner over a model crate that is not Dragonflow's, written as the README says, sees
//! that crate's models and migrations and nothing else: df-runner links no model set.

use serde_json::Value;
use std::process::Command;

fn runner(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_runner")).env_remove("DF_DB_URL").args(args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn schema_lists_exactly_the_linked_crates_models() {
    let schema = runner(&["schema", "--format", "json"]);
    let models: Vec<(&str, &str, u64)> = schema["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["model"].as_str().unwrap(), m["table"].as_str().unwrap(), m["version"].as_u64().unwrap()))
        .collect();
    assert_eq!(models, [("Chassis", "chassis", 2)]);
}

#[test]
fn a_fresh_database_plans_only_the_linked_crates_steps() {
    let plan = runner(&["--db", "memory:", "plan", "--format", "json"]);
    let ids: Vec<&str> = plan["steps"].as_array().unwrap().iter().map(|step| step["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["auto/Chassis/v1", "link_models::chassis_tunnel_types"], "{plan:#}");
}

#[test]
fn colliding_model_sets_are_refused_at_start_up_naming_both() {
    let output = Command::new(env!("CARGO_BIN_EXE_colliding")).args(["--db", "memory:", "status"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: this program links models that cannot share one database"), "{stderr}");
    for collision in [
        "two linked models are named Chassis: one in crate `link_models` (",
        "two linked models are stored in table `chassis`: Chassis (crate `link_models`) and Sensor (crate `other_models`)",
        "release label `3.0` is used by two model sets, crate `link_models` (",
    ] {
        assert!(stderr.contains(collision), "{collision:?} missing from:\n{stderr}");
    }
    assert_eq!(stderr.matches("\n  - ").count(), 3, "{stderr}");
}

#[test]
fn completions_are_for_the_program_as_installed() {
    let output = Command::new(env!("CARGO_BIN_EXE_runner")).args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("complete -F _runner") && !script.contains("_df-runner"), "the script completes another program:\n{script}");
}
