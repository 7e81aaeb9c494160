//! `df-runner` with Dragonflow's north-bound models. A runner for other models is the
//! same three lines naming another model crate.

use dragonflow_models as _;

fn main() -> std::process::ExitCode {
    df_runner::main()
}
