//! `tracing` logs on standard error, where progress bars and errors go too, so that
//! standard output holds only the report. `RUST_LOG` chooses what is logged when it is set
//! (`RUST_LOG=df_migrations=debug`); otherwise `-v` logs what each phase did and `-vv`
//! everything the engine logs, and warnings are always logged (`-q`: only errors). On a
//! terminal the lines are short and colored; elsewhere (a log file, journald, CI) they are
//! plain and start with a UTC timestamp.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// What is logged without `RUST_LOG`.
fn default_filter(quiet: bool, verbose: u8) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,df_migrations=info,df_runner=info",
        (false, _) => "warn,df_migrations=debug,df_runner=debug",
    }
}

/// Installs the subscriber; a second call (a program that runs several commands) keeps
/// the first one's.
pub fn init(quiet: bool, verbose: u8) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter(quiet, verbose)));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if std::io::stderr().is_terminal() { logs.without_time().with_target(false).try_init() } else { logs.with_ansi(false).try_init() };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_v_logs_more_and_quiet_only_errors() {
        assert_eq!(default_filter(false, 0), "warn");
        assert!(default_filter(false, 1).contains("df_migrations=info"));
        assert!(default_filter(false, 2).contains("df_migrations=debug"));
        assert!(default_filter(false, 7).contains("df_migrations=debug"));
        assert_eq!(default_filter(true, 0), "error");
    }
}
