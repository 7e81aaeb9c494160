//! `df-runner` with Dragonflow's north-bound models. A runner for other models is the
//! same three lines naming another model crate.

use dragonflow_models as _;

// Optional: an allocator made for many small allocations (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    df_runner::main()
}
