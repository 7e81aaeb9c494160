//! `dragonflow-runner schema` and `schema diff` on the Dragonflow model set linked into the binary.

use std::process::{Command, Output};

fn runner(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragonflow-runner")).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn schema_lists_every_model_with_its_steps() {
    let text = stdout(&runner(&["schema"]));
    for line in ["LogicalPort", "lport", "SwitchPort", "switch_port", "Subnet", "lsubnet"] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(text.contains("v4 → v5 5.0   automatic: field `binding_vnic_type` added (str, default \"normal\")"), "{text}");
    assert!(text.contains("v1 → v2 3.0   hand-written (lport-v2-unique-key): field `tunnel_key` removed"), "{text}");
    assert!(text.contains("default \"normal\")\n        rolling\n"), "each step says whether it can run rolling:\n{text}");
    assert!(
        text.contains("        offline, all hosts stopped\n          - new code cannot read old objects: v1 objects lack field `unique_key`, which v2 requires and has no default for\n"),
        "and why not:\n{text}"
    );
}

#[test]
fn schema_json_is_machine_readable() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&runner(&["schema", "--format", "json"]))).unwrap();
    let models = json["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m["model"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 10, "{names:?}");
    let lport = models.iter().find(|m| m["model"] == "LogicalPort").unwrap();
    assert_eq!(lport["version"], 5);
    assert_eq!(lport["steps"].as_array().unwrap().len(), 4);
    assert_eq!(lport["steps"][3]["automatic"], true);
    assert_eq!(lport["steps"][0]["automatic"], false);
    assert_eq!(lport["steps"][3]["compatibility"], "rolling");
    assert_eq!(lport["steps"][3]["compatibility_reasons"], serde_json::json!([]));
    assert_eq!((&lport["steps"][0]["compatibility"], &lport["steps"][0]["first"]), (&"offline".into(), &"together".into()));
    let chassis = models.iter().find(|m| m["model"] == "Chassis").unwrap();
    assert_eq!(chassis["steps"][0]["first"], "data", "v1 code reads v2 chassis, whose removed `tunnel_type` was optional");
}

#[test]
fn schema_diff_shows_what_changed_between_versions() {
    let text = stdout(&runner(&["schema", "diff", "LogicalPort", "1", "2"]));
    assert!(text.contains("field `tunnel_key` removed (was i64)"), "{text}");
    assert!(text.contains("field `unique_key` added (i64) without a default"), "{text}");
    assert!(text.contains("compatibility: offline, all hosts stopped\n"), "{text}");
    let text = stdout(&runner(&["schema", "diff", "SwitchPort", "1", "3"]));
    assert!(text.contains("table renamed from `ovs_port` to `switch_port`"), "{text}");
    assert!(text.contains("  - old code cannot read new objects: the objects move from table `ovs_port` to `switch_port`"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&runner(&["schema", "diff", "LogicalPort", "4", "5", "--format", "json"]))).unwrap();
    assert_eq!(json["compatibility"], "rolling", "{json}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&runner(&["schema", "diff", "LogicalPort", "3", "5", "--format", "json"]))).unwrap();
    assert_eq!((&json["compatibility"], &json["first"]), (&"offline".into(), &"data".into()), "through a per-object migration: {json}");
}

#[test]
fn errors_name_what_exists_and_exit_with_1() {
    let output = runner(&["schema", "diff", "LogicalPrt", "1", "2"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("this build has no model `LogicalPrt`; it has: Chassis,"), "{stderr}");
    let output = runner(&["schema", "diff", "LogicalPort", "1", "9"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("LogicalPort has no recorded version 9; it has versions 1 to 5"));
    assert_eq!(runner(&["schema", "--format", "yaml"]).status.code(), Some(2), "usage errors exit with 2");
}
