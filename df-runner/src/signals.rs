//! SIGINT and SIGTERM. The first asks the running command to stop at its next safe point
//! (see `df_migrations::Stop`): an upgrade then deletes what it wrote, releases the lease
//! and exits with 130 (SIGINT) or 143 (SIGTERM), as shells expect of a process a signal
//! ended. A second signal ends the process at once, as the default action would: for an
//! operator who really means it, and safe, since a commit in flight is completed or
//! discarded by the next run.
//!
//! The signals are delivered to a thread of their own, blocked everywhere else: a socket
//! read with a timeout (every Redis reply has one) fails with `EINTR` when a handler runs on
//! its thread, even under `SA_RESTART` (see signal(7)), and the client then reports a broken
//! connection instead of the command reaching its safe point.

use df_migrations::Stop;
use nix::sys::signal::{SigSet, Signal};
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
    /// Watches SIGINT and SIGTERM from now on, on a thread of their own; the calling
    /// thread, and the threads it starts afterwards, no longer receive them.
    pub fn install() -> std::io::Result<Signals> {
        let signals = Signals { stop: Arc::default(), interrupt: Arc::default(), terminate: Arc::default() };
        for signal in [SIGINT, SIGTERM] {
            // Registered first, so that it sees the flag as the earlier signals left it.
            signal_hook::flag::register_conditional_default(signal, Arc::clone(&signals.stop))?;
            signal_hook::flag::register(signal, Arc::clone(&signals.stop))?;
        }
        signal_hook::flag::register(SIGINT, Arc::clone(&signals.interrupt))?;
        signal_hook::flag::register(SIGTERM, Arc::clone(&signals.terminate))?;
        let watched = SigSet::from_iter([Signal::SIGINT, Signal::SIGTERM]);
        // Threads inherit the mask: this one is spawned before the block, and every thread
        // the command starts later blocks the signals too.
        std::thread::Builder::new().name("signals".into()).spawn(move || loop {
            std::thread::park();
        })?;
        watched.thread_block()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_threads_do_not_receive_the_signals() {
        let signals = Signals::install().unwrap();
        let blocked = |mask: SigSet| mask.contains(Signal::SIGINT) && mask.contains(Signal::SIGTERM);
        assert!(blocked(SigSet::thread_get_mask().unwrap()));
        assert!(std::thread::spawn(move || blocked(SigSet::thread_get_mask().unwrap())).join().unwrap());
        assert_eq!(signals.received(), None);
    }
}
