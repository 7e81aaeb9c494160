//! What the README walk-throughs share: a crate outside this workspace that depends on
//! the workspace's crates by path, built by `cargo` offline with this workspace's
//! `Cargo.lock` (so exactly the versions the workspace uses) and a target directory kept
//! under `target/`, so that later runs only rebuild the crate itself; and the README's
//! tagged blocks, which hold the sources and the expected output.

#![allow(dead_code)] // each walk-through uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct UserCrate {
    pub dir: tempfile::TempDir,
}

impl UserCrate {
    /// A crate `name` that depends on `crates` of this workspace by path, and on
    /// `serde_json`.
    pub fn new(name: &str, crates: &[&str]) -> UserCrate {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
        let dir = tempfile::tempdir().unwrap();
        let dependencies: String = crates.iter().map(|krate| format!("{krate} = {{ path = {:?} }}\n", workspace.join(krate))).collect();
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n{dependencies}serde_json = \"1\"\n\n[workspace]\n"
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(workspace.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        UserCrate { dir }
    }

    pub fn write_lib(&self, source: &str) {
        self.write("src/lib.rs", source);
    }

    /// Writes a source file of the crate, e.g. `src/bin/runner.rs`.
    pub fn write(&self, path: &str, source: &str) {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, source).unwrap();
    }

    pub fn lock(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("df-schema.lock")).unwrap_or_default()
    }

    /// Runs `cargo <command>` on the crate with the given extra environment, never
    /// inheriting bless or CI from the test's own environment.
    pub fn cargo(&self, command: &str, env: &[(&str, &str)]) -> Output {
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
pub fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub fn assert_ok(output: &Output) {
    assert!(output.status.success(), "expected success:\n{}", printed(output));
}

pub fn assert_fails_with(output: &Output, expected: &[&str]) {
    let text = printed(output);
    assert!(!output.status.success(), "expected a failure, got success:\n{text}");
    for part in expected {
        assert!(text.contains(part), "expected `{part}` in:\n{text}");
    }
}

/// The body of the README block opened by ```` ```<lang> <tag> ````, e.g. `walkthrough:v1`.
pub fn readme_block(lang: &str, tag: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let fence = format!("```{lang} {tag}\n");
    let start = readme.find(&fence).unwrap_or_else(|| panic!("the README has no block {fence}")) + fence.len();
    let len = readme[start..].find("```\n").unwrap();
    readme[start..start + len].to_owned()
}

/// Asserts that the lines of the README's expected output (block `text <tag>`) appear,
/// in order, in what a command printed.
pub fn assert_prints_readme_block(output: &Output, tag: &str) {
    let printed = printed(output);
    let mut actual = printed.lines().map(str::trim_end);
    for line in readme_block("text", tag).lines().map(str::trim_end) {
        assert!(actual.any(|a| a == line), "README block `{tag}`: line\n{line}\nnot printed (in order) in:\n{printed}");
    }
}

