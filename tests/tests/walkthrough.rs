//! The README's "Changing a model" walk-through, run for real on a crate outside this
//! workspace that depends on `df-schema` by path: record, change, see the error, bump,
//! bless, add the migration, build; bless refused under CI; a deleted model caught by
//! `check_schema_lock!()` until a removal migration covers it.
//!
//! The sources and the expected compiler output come from the README's blocks tagged
//! `walkthrough:<name>`, so the README cannot drift from what the compiler prints.
//!
//! It runs `cargo` on that crate, offline, with this workspace's `Cargo.lock` so that it
//! builds with exactly the dependency versions the workspace uses, and with a target
//! directory kept under `target/` so that later runs only rebuild the crate itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct UserCrate {
    dir: tempfile::TempDir,
}

impl UserCrate {
    fn new() -> UserCrate {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
        let dir = tempfile::tempdir().unwrap();
        let manifest = format!(
            "[package]\nname = \"nb-models\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\ndf-schema = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
            workspace.join("df-schema")
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(workspace.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        UserCrate { dir }
    }

    fn write_lib(&self, source: &str) {
        std::fs::write(self.dir.path().join("src/lib.rs"), source).unwrap();
    }

    fn lock(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("df-schema.lock")).unwrap_or_default()
    }

    /// Runs `cargo <command>` on the crate with the given extra environment, never
    /// inheriting bless or CI from the test's own environment.
    fn cargo(&self, command: &str, env: &[(&str, &str)]) -> Output {
        let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/walkthrough");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([command, "--offline", "--quiet"])
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", target)
            .env_remove("CI")
            .env_remove("DF_SCHEMA_BLESS")
            .envs(env.iter().copied());
        cargo.output().unwrap()
    }
}

/// What cargo and the compiler (stderr) and a failing test (stdout) printed.
fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn assert_ok(output: &Output) {
    assert!(output.status.success(), "expected success:\n{}", printed(output));
}

fn assert_fails_with(output: &Output, expected: &[&str]) {
    let text = printed(output);
    assert!(!output.status.success(), "expected a failure, got success:\n{text}");
    for part in expected {
        assert!(text.contains(part), "expected `{part}` in:\n{text}");
    }
}

/// The body of the README block opened by ```` ```<lang> walkthrough:<name> ````.
fn readme_block(lang: &str, name: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let fence = format!("```{lang} walkthrough:{name}\n");
    let start = readme.find(&fence).unwrap_or_else(|| panic!("the README has no block {fence}")) + fence.len();
    let len = readme[start..].find("```\n").unwrap();
    readme[start..start + len].to_owned()
}

/// Asserts that the lines of the README's expected output appear, in order, in what
/// cargo printed.
fn assert_prints_readme_block(output: &Output, name: &str) {
    let printed = printed(output);
    let mut actual = printed.lines().map(str::trim_end);
    for line in readme_block("text", name).lines().map(str::trim_end) {
        assert!(actual.any(|a| a == line), "README block `{name}`: line\n{line}\nnot printed (in order) in:\n{printed}");
    }
}

#[test]
fn changing_a_model_as_the_readme_shows() {
    let krate = UserCrate::new();
    const BLESS: &[(&str, &str)] = &[("DF_SCHEMA_BLESS", "1")];

    // A new model must be recorded on purpose.
    krate.write_lib(&readme_block("rust", "v1"));
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["Chassis is a new model"]);
    assert_prints_readme_block(&output, "new-model");
    assert_ok(&krate.cargo("build", BLESS));
    assert!(krate.lock().contains(&readme_block("json", "lock")));
    assert_ok(&krate.cargo("build", &[]));

    // Change a field: the compiler names the change and the fix.
    krate.write_lib(&readme_block("rust", "changed"));
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["Chassis changed but its version did not"]);
    assert_prints_readme_block(&output, "changed");

    // Bump: the new version must be recorded.
    let v2 = readme_block("rust", "bumped");
    krate.write_lib(&v2);
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["Chassis v2 is not in the schema lock yet"]);
    assert_prints_readme_block(&output, "bumped");

    // CI never records, even when asked to.
    let before = krate.lock();
    let ci = krate.cargo("build", &[("DF_SCHEMA_BLESS", "1"), ("CI", "true")]);
    assert_fails_with(&ci, &["ignored while CI is set"]);
    assert_eq!(krate.lock(), before, "the lock is untouched under CI");

    // Bless records v2; the step is not automatic, so the build asks for a migration.
    let output = krate.cargo("build", BLESS);
    assert_fails_with(&output, &["Chassis v1 → v2 needs a #[migration]"]);
    assert_prints_readme_block(&output, "blessed");
    assert!(krate.lock().contains("\"2\": {"));
    assert!(krate.lock().contains("\"1\": {"), "v1 stays recorded");

    // The migration makes it build, and the crate's own tests pass.
    let migration = readme_block("rust", "migration");
    krate.write_lib(&format!("{v2}{migration}"));
    assert_ok(&krate.cargo("build", &[]));
    assert_ok(&krate.cargo("test", &[]));

    // Editing the lock rebuilds the crate, and a hand edit is refused.
    let lock_path = krate.dir.path().join("df-schema.lock");
    let recorded = krate.lock();
    std::fs::write(&lock_path, recorded.replace(r#""ip", "type": "str""#, r#""ip", "type": "int""#)).unwrap();
    assert_fails_with(&krate.cargo("build", &[]), &["records Chassis v1 with fingerprint", "the lock was edited by hand"]);
    std::fs::write(&lock_path, recorded).unwrap();
    assert_ok(&krate.cargo("build", &[]));

    // Deleting a recorded model is caught by the crate's own `cargo test`...
    let with_legacy = format!(
        "{v2}{migration}\n#[df_model(version = 1)]\npub struct Legacy {{\n    pub id: String,\n}}\n"
    );
    krate.write_lib(&with_legacy);
    assert_ok(&krate.cargo("build", BLESS));
    krate.write_lib(&format!("{v2}{migration}"));
    assert_ok(&krate.cargo("build", &[]));
    assert_fails_with(
        &krate.cargo("test", &[]),
        &["Legacy (recorded up to v1, table `legacy`) is in the schema lock but no longer in the code", "removes = \"Legacy\""],
    );
    // ...until a migration removes it.
    let removal = r#"
#[df_schema::migration(removes = "Legacy", release = "3.0", proposed_at = "2017-08-02 00:00:00",
                       description = "legacy objects are obsolete")]
fn drop_legacy(nb: &mut df_schema::NbApi) -> Result<(), df_schema::MigrationError> {
    nb.drop_table("legacy");
    Ok(())
}
"#;
    krate.write_lib(&format!("{v2}{migration}{removal}"));
    assert_ok(&krate.cargo("test", &[]));
}
