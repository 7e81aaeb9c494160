//! The lending library's runner: the three lines of the README's "Linking a runner".

use library_models as _;

fn main() -> std::process::ExitCode {
    df_runner::main()
}
