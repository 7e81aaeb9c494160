//! What the private servers of the tests share: whether their binary is there, said
//! loudly when it is not.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `binary` runs, for tests of `store`. Without it: a panic naming `install` when
/// the environment variable `CI` is set, else a loud skip message on standard error.
pub fn available(binary: &str, store: &str, install: &str) -> bool {
    // The test harness names each test's thread after the test.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let found = Command::new(binary).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{test}: `{binary}` is not on PATH and CI is set: install {install} so that the tests of {store} run");
        // Straight to stderr, not through `eprintln!`, which the test harness captures
        // (and hides) for passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "\n******************************************************************\n\
             SKIPPED {test}: `{binary}` is not on PATH, {store} was NOT tested.\n\
             Install {install} to run it (set CI=1 to make this a failure).\n\
             ******************************************************************\n"
        );
    }
    found
}
