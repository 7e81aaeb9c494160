//! Stopping a command on request (an operator's Ctrl-C, a service manager's SIGTERM): the
//! engine looks at the request at its safe points, the moments before its commit where
//! stopping leaves nothing behind, and stops there, deleting what the run wrote (its
//! image and intent record) and releasing the lease. Once a commit is under way it is
//! finished, so that the database ends in exactly the old or the new state either way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A request to stop, shared between the engine and whoever may make it (a signal
/// handler, another thread). Clones share the request.
///
/// ```
/// let stop = df_migrations::Stop::new();
/// let handler = stop.clone();
/// assert!(!stop.requested());
/// handler.request();
/// assert!(stop.requested());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// A request not made yet.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// A request made through `flag` (as `signal_hook::flag::register` sets it).
    pub fn from_flag(flag: Arc<AtomicBool>) -> Stop {
        Stop(flag)
    }

    /// Makes the request.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the request was made.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
