//! A runner written exactly as the README's "Linking a runner" says, over `link-models`.

use link_models as _;

fn main() -> std::process::ExitCode {
    df_runner::main()
}
