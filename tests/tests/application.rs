//! The README's "Use it in your application" walk-through, run for real on a crate
//! outside this workspace: the models with their key layout, recorded with bless; the
//! three-line runner; the application that migrates at start-up and reads and writes its
//! models. The sources and the expected output are the README's blocks tagged `app:<name>`.

mod readme;

use readme::{assert_ok, assert_prints_readme_block, readme_block, UserCrate};
use std::process::Command;

#[test]
fn an_application_as_the_readme_shows() {
    let dependencies = readme_block("toml", "app:dependencies");
    for krate in ["df-schema", "df-migrations", "df-runner"] {
        assert!(dependencies.contains(&format!("{krate} = ")), "the README's dependencies name {krate}");
    }
    let krate = UserCrate::new("greenhouse", &["df-schema", "df-migrations", "df-runner"]);
    krate.write_lib(&readme_block("rust", "app:lib"));
    krate.write("src/bin/greenhouse-runner.rs", &readme_block("rust", "app:runner"));
    krate.write("src/main.rs", &readme_block("rust", "app:main"));
    assert_ok(&krate.cargo("build", &[("DF_SCHEMA_BLESS", "1")]));
    assert!(krate.lock().contains("\"Sensor\""), "bless recorded the model");
    assert_ok(&krate.cargo("build", &[]));

    let bin = |name: &str| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/walkthrough/debug").join(name);
    let url = format!("redb:{}", krate.dir.path().join("greenhouse.redb").display());
    let app = Command::new(bin("greenhouse")).arg(&url).output().unwrap();
    assert_ok(&app);
    assert_prints_readme_block(&app, "app:output");
    // A second start finds nothing pending and the same sensor.
    assert_prints_readme_block(&Command::new(bin("greenhouse")).arg(&url).output().unwrap(), "app:output");

    let status = Command::new(bin("greenhouse-runner")).env_remove("DF_DB_URL").args(["--db", &url, "status"]).output().unwrap();
    assert_ok(&status);
    assert_prints_readme_block(&status, "app:status");
    let history = Command::new(bin("greenhouse-runner")).args(["--db", &url, "history"]).output().unwrap();
    assert!(String::from_utf8_lossy(&history.stdout).contains("auto/Sensor/v1"));
}
