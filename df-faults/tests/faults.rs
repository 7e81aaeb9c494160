//! The fault campaign run small, so that the program cannot rot: it must succeed and its
//! table must have a row of every scenario. Like every Redis test it starts private
//! servers; without `redis-server` it skips loudly (or fails when `CI` is set).

use std::process::Command;

/// A phrase of each scenario's rows.
const SCENARIOS: [&str; 6] = [
    "| crash at every write: ",
    "| SIGKILL at a random moment of a ",
    "| redis-server SIGKILLed mid-commit and restarted ",
    " runners started at once (",
    "| runner paused ",
    "| bad input: ",
];

#[test]
fn a_small_campaign_succeeds_and_reports_every_scenario() {
    if !df_testkit::redis_server::redis_available() {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_df-faults"))
        .args(["campaign", "--kills", "3", "--objects", "3000", "--races", "2", "--seed", "1"])
        .output()
        .expect("df-bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the campaign failed:\n{stdout}\n{stderr}");
    for scenario in SCENARIOS {
        assert!(stdout.contains(scenario), "no row with {scenario:?} in:\n{stdout}");
    }
}
