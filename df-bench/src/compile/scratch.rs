//! The two generated crates on disk, and cargo run on them.
//!
//! They live under the target directory (`compile-bench/`), never in the source tree, and
//! outside the workspace (each has an empty `[workspace]` table), as a user's model crate
//! would. They share one target directory so that the dependencies are built once, and
//! they build offline with a copy of the workspace's `Cargo.lock` and `rust-toolchain.toml`,
//! so with exactly the dependency versions and compiler the workspace uses.

use super::generate::{Flavour, Models};
use super::timing::{time, Timing};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// One generated crate.
pub struct Crate {
    pub name: &'static str,
    dir: PathBuf,
    /// The lines of its `src/lib.rs`.
    pub lines: usize,
}

/// Both crates and their shared target directory.
pub struct Scratch {
    pub plain: Crate,
    pub modelled: Crate,
    target: PathBuf,
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("df-bench is a workspace member")
}

/// `$CARGO_TARGET_DIR/compile-bench`, or `target/compile-bench` in the workspace.
fn scratch_root() -> anyhow::Result<PathBuf> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::path::absolute(dir)?,
        None => workspace_root().join("target"),
    };
    Ok(target.join("compile-bench"))
}

impl Scratch {
    /// Writes both crates (replacing earlier ones) and records the modelled crate's schema
    /// lock from scratch, as its author would: `DF_SCHEMA_BLESS=1 cargo build`.
    pub fn create(models: &Models) -> anyhow::Result<Scratch> {
        let root = scratch_root()?;
        let workspace = workspace_root();
        let manifest = |name: &str, dependency: String| {
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\n{dependency}\n\n[workspace]\n"
            )
        };
        let df_schema = workspace.join("df-schema");
        let scratch = Scratch {
            plain: write_crate(&root, models, Flavour::Plain, &manifest("plain", "serde = { version = \"1\", features = [\"derive\"] }".into()))?,
            modelled: write_crate(&root, models, Flavour::Modelled, &manifest("modelled", format!("df-schema = {{ path = {df_schema:?} }}")))?,
            target: root.join("target"),
        };
        // Outside the workspace, rustup would not find the pinned toolchain otherwise.
        std::fs::copy(workspace.join("rust-toolchain.toml"), root.join("rust-toolchain.toml")).context("copying rust-toolchain.toml")?;
        let lock = scratch.modelled.dir.join(df_schema::core::LOCK_FILE_NAME);
        if let Err(e) = std::fs::remove_file(&lock) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(e).context("removing the old schema lock");
            }
        }
        scratch.cargo(&scratch.modelled, "build", true)?;
        Ok(scratch)
    }

    /// The lines of the modelled crate's schema lock.
    pub fn lock_lines(&self) -> anyhow::Result<usize> {
        let path = self.modelled.dir.join(df_schema::core::LOCK_FILE_NAME);
        Ok(std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?.lines().count())
    }

    /// Runs `cargo <command>` on a crate and returns how long it took. `CI` and
    /// `DF_SCHEMA_BLESS` are never inherited: the first forbids recording and the second
    /// would record, and neither is the developer's normal build; `bless` sets the second.
    pub fn cargo(&self, krate: &Crate, command: &str, bless: bool) -> anyhow::Result<Timing> {
        let mut cargo = Command::new("cargo");
        cargo
            .args([command, "--offline", "--quiet"])
            .current_dir(&krate.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CI")
            .env_remove("DF_SCHEMA_BLESS");
        if bless {
            cargo.env("DF_SCHEMA_BLESS", "1");
        }
        let (output, timing) = time(|| cargo.output());
        let output = output.with_context(|| format!("running cargo {command} in {}", krate.dir.display()))?;
        if !output.status.success() {
            bail!("cargo {command} of the {} crate failed:\n{}", krate.name, String::from_utf8_lossy(&output.stderr));
        }
        Ok(timing)
    }

    /// Removes the crate's own build artifacts (not its dependencies').
    pub fn clean(&self, krate: &Crate) -> anyhow::Result<()> {
        let status = Command::new("cargo")
            .args(["clean", "--offline", "--quiet", "-p", krate.name])
            .current_dir(&krate.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .status()
            .context("running cargo clean")?;
        if !status.success() {
            bail!("cargo clean -p {} failed", krate.name);
        }
        Ok(())
    }
}

impl Crate {
    /// What an editor's save does to the crate: a newer `src/lib.rs`.
    pub fn touch(&self) -> anyhow::Result<()> {
        let path = self.dir.join("src/lib.rs");
        let file = std::fs::File::options().write(true).open(&path).with_context(|| format!("opening {}", path.display()))?;
        file.set_modified(SystemTime::now()).with_context(|| format!("touching {}", path.display()))
    }
}

fn write_crate(root: &Path, models: &Models, flavour: Flavour, manifest: &str) -> anyhow::Result<Crate> {
    let name = match flavour {
        Flavour::Plain => "plain",
        Flavour::Modelled => "modelled",
    };
    let dir = root.join(name);
    let write = |path: &Path, contents: &str| std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()));
    std::fs::create_dir_all(dir.join("src")).with_context(|| format!("creating {}", dir.display()))?;
    write(&dir.join("Cargo.toml"), manifest)?;
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).context("copying Cargo.lock")?;
    let source = models.source(flavour);
    write(&dir.join("src/lib.rs"), &source)?;
    Ok(Crate { name, dir, lines: source.lines().count() })
}
