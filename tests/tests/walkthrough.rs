//! The README's "Changing a model" walk-through, run for real on a crate outside this
//! workspace that depends on `df-schema` by path: record, change, see the error, bump,
//! bless, add the migration, build; bless refused under CI; a deleted model caught by
//! `check_schema_lock!()` until a removal migration covers it.
//!
//! The sources and the expected compiler output come from the README's blocks tagged
//! `walkthrough:<name>`, so the README cannot drift from what the compiler prints.

mod readme;

use readme::{assert_fails_with, assert_ok, assert_prints_readme_block, readme_block, UserCrate};

#[test]
fn changing_a_model_as_the_readme_shows() {
    const BLESS: &[(&str, &str)] = &[("DF_SCHEMA_BLESS", "1")];
    let krate = UserCrate::new("nb-models", &["df-schema"]);

    // A new model must be recorded on purpose.
    krate.write_lib(&readme_block("rust", "walkthrough:v1"));
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["Chassis is a new model"]);
    assert_prints_readme_block(&output, "walkthrough:new-model");
    assert_ok(&krate.cargo("build", BLESS));
    assert!(krate.lock().contains(&readme_block("json", "walkthrough:lock")));
    assert_ok(&krate.cargo("build", &[]));

    // Change a field: the compiler names the change and the fix.
    krate.write_lib(&readme_block("rust", "walkthrough:changed"));
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["Chassis changed but its version did not"]);
    assert_prints_readme_block(&output, "walkthrough:changed");

    // Bump: the new version must be recorded.
    let v2 = readme_block("rust", "walkthrough:bumped");
    krate.write_lib(&v2);
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["Chassis v2 is not in the schema lock yet"]);
    assert_prints_readme_block(&output, "walkthrough:bumped");

    // CI never records, even when asked to.
    let before = krate.lock();
    let ci = krate.cargo("build", &[("DF_SCHEMA_BLESS", "1"), ("CI", "true")]);
    assert_fails_with(&ci, &["ignored while CI is set"]);
    assert_eq!(krate.lock(), before, "the lock is untouched under CI");

    // Bless records v2; the step is not automatic, so the build asks for a migration.
    let output = krate.cargo("build", BLESS);
    assert_fails_with(&output, &["Chassis v1 → v2 needs a #[migration]"]);
    assert_prints_readme_block(&output, "walkthrough:blessed");
    assert!(krate.lock().contains("\"2\": {"));
    assert!(krate.lock().contains("\"1\": {"), "v1 stays recorded");

    // The migration makes it build, and the crate's own tests pass.
    let migration = readme_block("rust", "walkthrough:migration");
    krate.write_lib(&format!("{v2}{migration}"));
    assert_ok(&krate.cargo("build", &[]));
    assert_ok(&krate.cargo("test", &[]));

    // An embedded enum: a field of it added with a default is automatic, and so is a
    // variant added, once the models that store it are bumped.
    let v3 = readme_block("rust", "walkthrough:enum");
    krate.write_lib(&format!("{v3}{migration}"));
    assert_ok(&krate.cargo("build", BLESS));
    assert!(krate.lock().contains(r#""State": "enum<Down: {since: str}, Up>""#), "{}", krate.lock());
    let v4 = v3.replace("    Up,\n", "    Up,\n    Maintenance,\n");
    krate.write_lib(&format!("{v4}{migration}"));
    let output = krate.cargo("build", &[]);
    assert_fails_with(&output, &["the embedded enum State changed"]);
    assert_prints_readme_block(&output, "walkthrough:enum-changed");
    let v4 = v4.replace("version = 3, release = \"3.1\"", "version = 4, release = \"3.2\"");
    krate.write_lib(&format!("{v4}{migration}"));
    assert_ok(&krate.cargo("build", BLESS));
    assert_ok(&krate.cargo("build", &[]));
    assert_ok(&krate.cargo("test", &[]));
    let latest = v4;

    // Editing the lock rebuilds the crate, and a hand edit is refused.
    let lock_path = krate.dir.path().join("df-schema.lock");
    let recorded = krate.lock();
    std::fs::write(&lock_path, recorded.replace(r#""ip", "type": "str""#, r#""ip", "type": "int""#)).unwrap();
    assert_fails_with(&krate.cargo("build", &[]), &["records Chassis v1 with fingerprint", "the lock was edited by hand"]);
    std::fs::write(&lock_path, recorded).unwrap();
    assert_ok(&krate.cargo("build", &[]));

    // Deleting a recorded model is caught by the crate's own `cargo test`...
    let with_legacy = format!(
        "{latest}{migration}\n#[df_model(version = 1)]\npub struct Legacy {{\n    pub id: String,\n}}\n"
    );
    krate.write_lib(&with_legacy);
    assert_ok(&krate.cargo("build", BLESS));
    krate.write_lib(&format!("{latest}{migration}"));
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
    krate.write_lib(&format!("{latest}{migration}{removal}"));
    assert_ok(&krate.cargo("test", &[]));
}
