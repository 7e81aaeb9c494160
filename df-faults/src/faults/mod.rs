//! The fault campaign: every way an upgrade can be interrupted, raced or fed bad data,
//! run automatically with exact checks, so that "crash-safe" is a count of runs rather
//! than a claim.
//!
//! Each scenario is a submodule returning one or more table rows. Every check compares
//! whole databases, every key and every byte, with the exact old state or the exact new
//! state (see `expected`); anything else fails the run, and the campaign then exits
//! non-zero after listing what differed. Runners are separate processes (`runner`), so
//! that kills, pauses and races are real.

mod bad_input;
mod crash;
mod db;
mod expected;
mod kills;
mod lease;
mod races;
mod report;
mod rng;
mod server_crash;
mod writers;

use df_testkit::machine;
use report::Row;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Runners killed (SIGKILL) at random moments of a Redis upgrade; a fifth as many
    /// (at least four) Redis servers are killed mid-commit.
    #[arg(long, default_value_t = 50)]
    kills: usize,
    /// Objects of the generated deployment that the killed runners upgrade. The other
    /// process scenarios use a tenth of it (at least 1000), the crash-at-every-write
    /// scenario Dragonflow's small fixture.
    #[arg(long, default_value_t = 100_000)]
    objects: usize,
    /// Rounds of two, then of eight, runners started at once, on each store; a quarter as
    /// many (at least one) runners are paused past their lease in each way.
    #[arg(long, default_value_t = 20)]
    races: usize,
    /// Seed of the generated deployment and of the kill moments (default: from the clock;
    /// printed, so that a campaign's choices can be repeated).
    #[arg(long)]
    seed: Option<u64>,
    /// Run only these scenarios.
    #[arg(long, value_enum, num_args = 1..)]
    only: Vec<Scenario>,
    /// Also write the rows as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// A crash at every write index of a small upgrade, on each store.
    Crash,
    /// Runners killed with SIGKILL at random moments of a large Redis upgrade.
    Kills,
    /// The Redis server killed and restarted, with its own persistence, mid-commit.
    ServerCrash,
    /// Two, then eight, runners started at once.
    Races,
    /// A runner paused past its lease while another upgrades.
    Lease,
    /// Bad data, files, URLs and databases: each refused, nothing written.
    BadInput,
    /// A writer left running during an upgrade: refused, every write kept.
    Writers,
}

/// What every scenario gets.
pub struct Plan {
    pub kills: usize,
    pub objects: usize,
    /// The size of the datasets of the other process scenarios.
    pub small: usize,
    pub races: usize,
    /// Redis servers killed mid-commit.
    pub server_kills: usize,
    /// Runners paused past their lease, per way of pausing.
    pub pauses: usize,
    pub seed: u64,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let seed = args.seed.unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()) << 32));
    let plan = Plan {
        kills: args.kills,
        objects: args.objects,
        small: (args.objects / 10).max(1000),
        races: args.races,
        server_kills: (args.kills / 5).max(4),
        pauses: (args.races / 4).max(1),
        seed,
    };
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let all = [Scenario::Crash, Scenario::Kills, Scenario::ServerCrash, Scenario::Races, Scenario::Lease, Scenario::BadInput, Scenario::Writers];
    for scenario in all.into_iter().filter(|s| args.only.is_empty() || args.only.contains(s)) {
        let ran = Instant::now();
        let new_rows = match scenario {
            Scenario::Crash => crash::run(),
            Scenario::Kills => kills::run(&plan),
            Scenario::ServerCrash => server_crash::run(&plan),
            Scenario::Races => races::run(&plan),
            Scenario::Lease => lease::run(&plan),
            Scenario::BadInput => bad_input::run(),
            Scenario::Writers => writers::run(&plan),
        };
        // Progress on stderr; the report on stdout stays pasteable.
        eprintln!("{scenario:?}: {:.0?}", ran.elapsed());
        rows.extend(new_rows);
    }
    let elapsed = started.elapsed();
    print!("{}", machine::header(&machine::command_line()));
    println!("- Seed: {seed} (`--seed {seed}` repeats the generated data and the kill moments)");
    println!("- Wall time: {}\n", minutes(elapsed));
    print!("{}", report::markdown(&rows));
    if let Some(file) = &args.json {
        let json = serde_json::json!({"seed": seed, "kills": plan.kills, "objects": plan.objects, "races": plan.races, "seconds": elapsed.as_secs_f64(), "rows": rows});
        std::fs::write(file, serde_json::to_string_pretty(&json)?)?;
    }
    let failed: usize = rows.iter().map(|r| r.failures.len()).sum();
    anyhow::ensure!(failed == 0, "{failed} checks failed (listed above)");
    Ok(())
}

fn minutes(d: Duration) -> String {
    format!("{}m {:02}s", d.as_secs() / 60, d.as_secs() % 60)
}
