//! A runner binary sees a model crate's registrations exactly when it names the crate
//! (`use my_models as _;`): the documented requirement, and what goes wrong without it.

use std::process::Command;

fn run(binary: &str) -> String {
    let output = Command::new(binary).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_named_model_crate_is_linked_with_all_its_registrations() {
    assert_eq!(
        run(env!("CARGO_BIN_EXE_linked")),
        "model Chassis v2\nmigration link_models::chassis_tunnel_types\n"
    );
}

#[test]
fn an_unnamed_model_crate_is_not_linked() {
    assert_eq!(run(env!("CARGO_BIN_EXE_unlinked")), "0 models\n");
}
