//! The command line, as clap derives it. Doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Upgrade a database to the schema this build was compiled with.
///
/// The models, their recorded history and the hand-written migrations are compiled into
/// this binary; the database records which steps it has applied. Run it on one node
/// while the applications that use the database are stopped: `status`, `plan`, then
/// `upgrade`; `rollback` restores the exact state from before the last upgrade.
///
/// Exit codes: 0 success; 1 failure (an error, or problems found by `verify`); 2 a usage
/// error; 3 `plan --check` found pending steps; 130 and 143 stopped by SIGINT and SIGTERM
/// (the first signal stops at the next safe point, leaving the database as it was unless
/// the commit had begun; a second one ends the process at once).
#[derive(Debug, Parser)]
#[command(version, propagate_version = true, after_long_help = EXAMPLES)]
pub struct Cli {
    /// The options every command takes.
    #[command(flatten)]
    pub options: Options,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The examples `--help` ends with (a runner with a parser of its own shows them too).
pub const EXAMPLES: &str = "\
Examples (a runner has its own name: dragonflow-runner, greenhouse-runner, …):
  # What an upgrade would do, then do it, on the embedded default (database.redb)
  df-runner status
  df-runner plan
  df-runner upgrade --dry-run
  df-runner upgrade

  # A Redis database: stop at a release, then check nothing is pending (exit 3 if so)
  DF_DB_URL=redis://10.0.0.5:6379/0 df-runner upgrade --to 4.0
  DF_DB_URL=redis://10.0.0.5:6379/0 df-runner plan --check

  # A new database; a deployment that predates df-schema
  df-runner --db new.redb init
  df-runner --db live.redb baseline --release 2.0 --dry-run

  # Undo the last upgrade, or every upgrade since a release; keep a byte-exact copy first
  df-runner export backup.jsonl
  df-runner rollback
  df-runner rollback --to 3.0
  df-runner history
  df-runner images prune --keep 1 --dry-run

  # A runner that died with a long --lease-ttl
  df-runner lease
  df-runner lease break

Environment: DF_DB_URL (the database, as --db), DF_KEEP_IMAGES (as --keep-images),
RUST_LOG (which logs, e.g. RUST_LOG=df_migrations=debug; default by -v). Logs and progress
go to standard error; reports to standard output (--format json for scripts).";

/// The options every command takes: which database, how to report, how to lease and
/// commit. A runner with commands of its own flattens them into its own parser.
#[derive(Debug, Clone, Args)]
pub struct Options {
    /// The database: a file path or `redb:PATH` (embedded), `redis://host:port/db`,
    /// `redis+cluster://h1:p1,h2:p2`, or `memory:`.
    // The variable's value is kept out of `--help`: it may hold a password.
    #[arg(long, global = true, env = "DF_DB_URL", hide_env_values = true, default_value = "database.redb")]
    pub db: String,

    /// Output format of reports: `text` for people, `json` for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print only errors (no progress bars, no summaries on success).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: every step as it runs, and logs of what each phase did (`-vv`: all
    /// the engine logs). `RUST_LOG`, when set, chooses the logs instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// How long the upgrade lease lasts without renewal, in seconds. A runner renews it
    /// between steps; a runner that dies keeps others out this long.
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS")]
    pub lease_ttl: u64,

    /// How a single Redis server commits. `transaction`: one MULTI/EXEC, fenced by the
    /// lease; readers never see a half-upgraded database, and the server runs nothing else
    /// meanwhile, for longer the more objects change. `staged`: new values are
    /// staged beside the live ones and renamed into place after a commit record; the
    /// server never pauses, but readers may see a mix while it rolls forward. A Redis
    /// Cluster, or a server older than 7.0, always stages.
    #[arg(long, global = true, value_enum, default_value_t = RedisCommit::Transaction)]
    pub redis_commit: RedisCommit,

    /// How many upgrades keep their pre-upgrade images, so that `rollback` can go back
    /// that many (`rollback --to`). Each image is a copy of the whole database; an upgrade
    /// deletes the older ones as it commits, and `images` shows their sizes.
    #[arg(long, global = true, env = "DF_KEEP_IMAGES", default_value_t = NonZeroUsize::new(df_migrations::DEFAULT_KEPT_IMAGES).expect("at least one"), value_name = "N")]
    pub keep_images: NonZeroUsize,
}

/// How a single Redis server commits (`--redis-commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedisCommit {
    /// One `MULTI`/`EXEC`, fenced by the lease.
    Transaction,
    /// Staged beside the live keys, then renamed into place.
    Staged,
}

/// The format of reports (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts.
    Json,
}

/// The runner's commands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Create a new database at this build's schema: every model is created, and a redb
    /// file that does not exist is created. Refuses a database that holds df-schema state
    /// or objects (`upgrade` or `baseline` those). Other commands refuse a database that
    /// does not exist or is empty, so that a mistyped `--db` is not taken for a new one.
    Init(InitArgs),
    /// Per model, the database's version and the build's; the pending steps; the last
    /// applied step. Reads only df-schema's records, not the objects.
    Status,
    /// The pending steps in the order they would run, each automatic or hand-written.
    Plan(PlanArgs),
    /// Apply every pending step: read everything, keep an image of it for rollback, migrate
    /// in memory, check every object decodes as its head model, then commit all-or-nothing.
    Upgrade(UpgradeArgs),
    /// Restore the exact state from before the last upgrade, or (`--to`) from before
    /// several, from their images.
    Rollback(RollbackArgs),
    /// Every run that committed (upgrades, rolled back or not, rollbacks, baselines,
    /// prunes: who ran it, when, for how long), then the migration log
    /// (`schema_migration`), which holds the steps the data is at.
    History,
    /// The pre-upgrade images kept for rollback and their sizes; `images prune` deletes
    /// older ones.
    Images(ImagesArgs),
    /// Who holds the upgrade lease, and for how long yet; `lease break` breaks a stale one
    /// (a runner that died with a long `--lease-ttl`).
    Lease(LeaseArgs),
    /// Complete or discard a commit that a runner left unfinished (every upgrade and
    /// rollback does this first); afterwards the data is exactly the old or the new state.
    Recover,
    /// Check that every object decodes as its head model and that applied migrations'
    /// code did not change. Writes nothing.
    Verify,
    /// The build's models, versions and fingerprints, and every version step.
    Schema {
        /// `diff` and its arguments; without it, `schema` lists the build's models.
        #[command(subcommand)]
        diff: Option<SchemaDiff>,
    },
    /// Stamp a database that predates df-schema (a live deployment) as being at a
    /// release's schema, after checking that a sample of its objects has that shape.
    Baseline(BaselineArgs),
    /// Write every key (tables, counters, the log) to a JSON Lines file.
    Export(FileArgs),
    /// Load a JSON Lines export, byte for byte. Refuses a non-empty database unless forced.
    Import(ImportArgs),
    /// Print a completion script for a shell, e.g.
    /// `df-runner completions bash > ~/.local/share/bash-completion/completions/df-runner`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The command's name, as its JSON documents give it (`lease break`, `schema diff`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::Status => "status",
            Command::Plan(_) => "plan",
            Command::Upgrade(_) => "upgrade",
            Command::Rollback(_) => "rollback",
            Command::History => "history",
            Command::Images(ImagesArgs { action: None }) => "images",
            Command::Images(ImagesArgs { action: Some(ImagesAction::Prune { .. }) }) => "images prune",
            Command::Lease(LeaseArgs { action: None }) => "lease",
            Command::Lease(LeaseArgs { action: Some(LeaseAction::Break { .. }) }) => "lease break",
            Command::Recover => "recover",
            Command::Verify => "verify",
            Command::Schema { diff: None } => "schema",
            Command::Schema { diff: Some(_) } => "schema diff",
            Command::Baseline(_) => "baseline",
            Command::Export(_) => "export",
            Command::Import(_) => "import",
            Command::Completions { .. } => "completions",
        }
    }
}

/// `plan`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Exit with code 3 when anything is pending (for CI and scripts).
    #[arg(long)]
    pub check: bool,
    /// Only the steps up to this release, e.g. `4.0`: one the build knows (another is
    /// refused, listing them).
    #[arg(long = "to", value_name = "RELEASE")]
    pub to_release: Option<String>,
}

/// `upgrade`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct UpgradeArgs {
    /// Stop after the steps of this release, e.g. `4.0`: one the build knows (another is
    /// refused, listing them).
    #[arg(long = "to", value_name = "RELEASE")]
    pub to_release: Option<String>,
    /// Run everything but the commit, and print what would change per table.
    #[arg(long)]
    pub dry_run: bool,
    /// Accept that an applied migration's code changed since it was applied, by id
    /// (repeat for more): `status` and `verify` name such migrations. Recorded in the
    /// history, and committed even when no step is pending.
    #[arg(long = "accept-changed", value_name = "MIGRATION_ID")]
    pub accept_changed: Vec<String>,
    /// Initialize the database if it is empty (or, for redb, create the file if it does
    /// not exist), as `init` does; upgrade it otherwise. For deployments that run the same
    /// command on a new database and an existing one.
    #[arg(long)]
    pub init: bool,
}

/// `lease`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct LeaseArgs {
    /// `break`; without it, `lease` shows the holder.
    #[command(subcommand)]
    pub action: Option<LeaseAction>,
}

/// What `lease` does besides showing the holder.
#[derive(Debug, Clone, Subcommand)]
pub enum LeaseAction {
    /// Break the lease, after showing its holder and asking. Only for a holder that is
    /// gone: fencing keeps a holder that still runs from committing, and the next run
    /// completes or discards what it left.
    Break {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// `init`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Show the steps that would create the models, and create nothing (not even the file).
    #[arg(long)]
    pub dry_run: bool,
}

/// `rollback`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Roll back even though the data was written since the upgrade: every key is restored
    /// as it was before the upgrade, and those writes are lost.
    #[arg(long)]
    pub force: bool,
    /// Show what would be restored, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Go back to this release, e.g. `3.0`, undoing every upgrade since; each needs its
    /// image (see `images` and `--keep-images`).
    #[arg(long = "to", value_name = "RELEASE")]
    pub to_release: Option<String>,
}

/// `images`' arguments.
#[derive(Debug, Clone, Args)]
pub struct ImagesArgs {
    /// `prune`; without it, `images` lists the images kept.
    #[command(subcommand)]
    pub action: Option<ImagesAction>,
}

/// What `images` does besides listing them.
#[derive(Debug, Clone, Subcommand)]
pub enum ImagesAction {
    /// Delete the images of all upgrades but the last few; the upgrades stay in
    /// `history`, but can no longer be rolled back.
    Prune {
        /// How many of the last upgrades keep their images (0: none, and then no upgrade
        /// can be rolled back). Default: `--keep-images`.
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
        /// Show what would be deleted, and delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `schema`'s subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum SchemaDiff {
    /// What changed in a model between two recorded versions.
    Diff(DiffArgs),
}

/// `schema diff`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The model's name, e.g. `LogicalPort`.
    pub model: String,
    /// The older version.
    pub from: u32,
    /// The newer version.
    pub to: u32,
}

/// `baseline`'s arguments: what the database is at, as a release of the models, or, for
/// a model set without releases, as versions.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("at").required(true).multiple(true).args(["release", "at_version", "models"])))]
pub struct BaselineArgs {
    /// The release the database is at, e.g. `2.0`: every model at its latest version of
    /// that release or an earlier one.
    #[arg(long, conflicts_with_all = ["at_version", "models"])]
    pub release: Option<String>,
    /// Every model at this recorded version (a model that does not record it yet is left
    /// out, as one the database does not have): for a model set without releases.
    #[arg(long, value_name = "N")]
    pub at_version: Option<u32>,
    /// One model at one version, `NAME=VERSION` (repeat for others; it overrides
    /// `--at-version` for that model): for a model set without releases.
    #[arg(long = "model", value_name = "NAME=VERSION", value_parser = model_version)]
    pub models: Vec<(String, u32)>,
    /// How many objects of each table to check against the recorded shapes (at least 1).
    #[arg(long, default_value = "1000")]
    pub sample: std::num::NonZeroUsize,
    /// Check the sample and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl BaselineArgs {
    /// The versions the arguments name.
    pub fn at(&self) -> df_migrations::BaselineAt {
        match &self.release {
            Some(release) => df_migrations::BaselineAt::Release(release.clone()),
            None => df_migrations::BaselineAt::Versions { every: self.at_version, models: self.models.iter().cloned().collect() },
        }
    }
}

/// `NAME=VERSION`, as `--model` takes it.
fn model_version(text: &str) -> Result<(String, u32), String> {
    let (name, version) = text.split_once('=').ok_or_else(|| format!("`{text}` is not NAME=VERSION, e.g. Host=2"))?;
    let version = version.trim().parse().map_err(|_| format!("`{version}` in `{text}` is not a version number"))?;
    Ok((name.trim().to_owned(), version))
}

/// The file of `export`.
#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// The JSON Lines file; `-` for standard output (the report then goes to standard
    /// error).
    pub file: PathBuf,
}

/// `import`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The JSON Lines file; `-` for standard input.
    pub file: PathBuf,
    /// Import into a database that already holds keys (they are kept unless overwritten).
    #[arg(long)]
    pub force: bool,
    /// Check the file and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}
