//! The timed builds of the two crates.
//!
//! What is timed is the generated crate alone, its dependencies already built: a
//! developer's edit-compile cycle. After an edit (a newer `src/lib.rs`), an incremental
//! build re-runs every proc macro of the crate while reusing most of the compiled code, so
//! it is where a macro's own cost weighs most; the build from scratch (`cargo clean -p`)
//! is what a fresh checkout or CI pays. Both crates are measured the same way, run after
//! run, alternating which goes first, so that noise from other work on the machine falls
//! on both and medians can be compared.

use super::scratch::{Crate, Scratch};
use super::timing::Timing;

/// One kind of timed build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measurement {
    BuildAfterEdit,
    BuildFromScratch,
    CheckAfterEdit,
    CheckFromScratch,
}

impl Measurement {
    /// In the order of the report.
    pub const ALL: [Measurement; 4] =
        [Measurement::BuildAfterEdit, Measurement::BuildFromScratch, Measurement::CheckAfterEdit, Measurement::CheckFromScratch];

    pub fn label(self) -> &'static str {
        match self {
            Measurement::BuildAfterEdit => "`cargo build` after an edit (touch `src/lib.rs`)",
            Measurement::BuildFromScratch => "`cargo build` from scratch (`cargo clean -p`)",
            Measurement::CheckAfterEdit => "`cargo check` after an edit (touch `src/lib.rs`)",
            Measurement::CheckFromScratch => "`cargo check` from scratch (`cargo clean -p`)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Measurement::BuildAfterEdit => "build_after_edit",
            Measurement::BuildFromScratch => "build_from_scratch",
            Measurement::CheckAfterEdit => "check_after_edit",
            Measurement::CheckFromScratch => "check_from_scratch",
        }
    }
}

/// The times of one measurement, one per run and crate.
pub struct Samples {
    pub measurement: Measurement,
    pub plain: Vec<Timing>,
    pub modelled: Vec<Timing>,
}

/// One untimed round (dependencies, caches), then `runs` timed rounds.
pub fn run(scratch: &Scratch, runs: usize) -> anyhow::Result<Vec<Samples>> {
    eprintln!("warming up: building the dependencies and both crates once");
    round(scratch, &scratch.plain)?;
    round(scratch, &scratch.modelled)?;
    let mut samples: Vec<Samples> =
        Measurement::ALL.iter().map(|&measurement| Samples { measurement, plain: Vec::new(), modelled: Vec::new() }).collect();
    for run in 0..runs {
        let order = if run % 2 == 0 { [&scratch.plain, &scratch.modelled] } else { [&scratch.modelled, &scratch.plain] };
        for krate in order {
            eprintln!("run {}/{runs}: {}", run + 1, krate.name);
            for (measurement, time) in round(scratch, krate)? {
                let entry = samples.iter_mut().find(|s| s.measurement == measurement).expect("every measurement has samples");
                let times = if krate.name == scratch.plain.name { &mut entry.plain } else { &mut entry.modelled };
                times.push(time);
            }
        }
    }
    Ok(samples)
}

/// Every measurement once on one crate. The order matters: `cargo clean -p` removes the
/// check artifacts too, so the first check after it is a check from scratch.
fn round(scratch: &Scratch, krate: &Crate) -> anyhow::Result<[(Measurement, Timing); 4]> {
    scratch.clean(krate)?;
    let build_from_scratch = scratch.cargo(krate, "build", false)?;
    krate.touch()?;
    let build_after_edit = scratch.cargo(krate, "build", false)?;
    let check_from_scratch = scratch.cargo(krate, "check", false)?;
    krate.touch()?;
    let check_after_edit = scratch.cargo(krate, "check", false)?;
    Ok([
        (Measurement::BuildFromScratch, build_from_scratch),
        (Measurement::BuildAfterEdit, build_after_edit),
        (Measurement::CheckFromScratch, check_from_scratch),
        (Measurement::CheckAfterEdit, check_after_edit),
    ])
}
