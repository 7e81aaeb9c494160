//! The compile errors of `#[df_model]`, `#[df_embedded]` and `#[migration]`, pinned.
//!
//! Every case in `tests/ui/` fails to compile with exactly its `.stderr`; every case in
//! `tests/ui-pass/` compiles and runs. Each case names its own lock with `lock = "…"`,
//! next to it.
//!
//! The cases pin what a plain local build prints, so the harness clears `CI` and
//! `DF_SCHEMA_BLESS`. To write a case whose lock records an earlier shape: write the
//! earlier shape, record its lock with
//! `DF_SCHEMA_UI_BLESS=tests/ui/<case>.rs cargo test -p df-schema-tests --test ui`
//! (which compiles only that case, in bless mode), then change the code to the shape
//! under test and pin its output with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let bless = std::env::var("DF_SCHEMA_UI_BLESS").ok();
    std::env::remove_var("CI");
    std::env::remove_var("DF_SCHEMA_BLESS");
    let cases = trybuild::TestCases::new();
    match bless {
        Some(case) => {
            std::env::set_var("DF_SCHEMA_BLESS", "1");
            cases.pass(case);
        }
        None => {
            cases.compile_fail("tests/ui/*.rs");
            cases.pass("tests/ui-pass/*.rs");
        }
    }
}
