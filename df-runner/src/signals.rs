//! SIGINT and SIGTERM. The first asks the running command to stop at its next safe point
//! (see `df_migrations::Stop`): an upgrade then deletes what it wrote, releases the lease
//! and exits with 130 (SIGINT) or 143 (SIGTERM), as shells expect of a process a signal
//! ended. A second signal ends the process at once, as the default action would: for an
//! operator who really means it, and safe, since a commit in flight is completed or
//! discarded by the next run.

use df_migrations::Stop;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The signals this process watches, and which of them arrived.
pub struct Signals {
    stop: Arc<AtomicBool>,
    interrupt: Arc<AtomicBool>,
    terminate: Arc<AtomicBool>,
}

/// A signal that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Its name, `SIGINT` or `SIGTERM`.
    pub name: &'static str,
    /// The exit code of a process it ended: 128 plus its number.
    pub exit_code: u8,
}

impl Signals {
    /// Watches SIGINT and SIGTERM from now on.
    pub fn install() -> std::io::Result<Signals> {
        let signals = Signals { stop: Arc::default(), interrupt: Arc::default(), terminate: Arc::default() };
        for signal in [SIGINT, SIGTERM] {
            // Registered first, so that it sees the flag as the earlier signals left it.
            signal_hook::flag::register_conditional_default(signal, Arc::clone(&signals.stop))?;
            signal_hook::flag::register(signal, Arc::clone(&signals.stop))?;
        }
        signal_hook::flag::register(SIGINT, Arc::clone(&signals.interrupt))?;
        signal_hook::flag::register(SIGTERM, Arc::clone(&signals.terminate))?;
        Ok(signals)
    }

    /// The stop request the signals make, for the engine.
    pub fn stop(&self) -> Stop {
        Stop::from_flag(Arc::clone(&self.stop))
    }

    /// The signal that arrived, if one did (SIGTERM if both did: a service manager's
    /// word outranks a terminal's).
    pub fn received(&self) -> Option<Received> {
        if self.terminate.load(Ordering::SeqCst) {
            Some(Received { name: "SIGTERM", exit_code: 128 + 15 })
        } else if self.interrupt.load(Ordering::SeqCst) {
            Some(Received { name: "SIGINT", exit_code: 128 + 2 })
        } else {
            None
        }
    }
}
