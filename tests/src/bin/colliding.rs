//! A runner that links two model sets which collide (`link-models` and `other-models`).

use link_models as _;
use other_models as _;

fn main() -> std::process::ExitCode {
    df_runner::main()
}
