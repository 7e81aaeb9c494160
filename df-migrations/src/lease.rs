//! The upgrade lease as the engine holds it: a token no other runner has, the holder
//! record that tells an operator who is upgrading, and the tag of the keys written before
//! a commit is decided.
//!
//! The store keeps the lease (see [`Store::acquire_lease`](crate::store::Store)); this
//! module only says who asks for it.

use crate::records::Intent;
use crate::store::Holder;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// This runner's lease: its token and how long it lasts without renewal.
#[derive(Debug, Clone)]
pub struct Lease {
    /// Random and unique per acquisition (an identity, not a secret).
    pub token: String,
    /// How long the store keeps the lease without renewal.
    pub ttl: Duration,
    /// Who asks for it, and when.
    pub holder: Holder,
}

impl Lease {
    /// A lease with a fresh token for `holder`, to ask a store for.
    pub fn new(ttl: Duration, holder: Holder) -> Lease {
        Lease { token: token(), ttl, holder }
    }

    /// The intent record of a commit made under this lease (see `crate::records`).
    pub fn intent(&self) -> Intent {
        Intent { tag: self.tag(), who: self.holder.who.clone(), since: self.holder.since.clone(), undo: None }
    }

    /// The tag of the keys this runner writes before its commit is decided (staging keys,
    /// an upgrade's image): the first half of its token.
    pub fn tag(&self) -> String {
        self.token.chars().take(16).collect()
    }
}

/// 32 hex digits no other process or acquisition shares: the standard library's
/// randomly seeded hasher over the time and the process id, twice.
pub fn token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    (0..2u64)
        .map(|salt| {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(salt);
            hasher.write_u128(nanos);
            hasher.write_u32(std::process::id());
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

/// Who this process is, for the holder record: its program name, pid and host, so that an
/// operator refused by the lease knows which process on which machine to look at.
pub fn this_process() -> String {
    let program = std::env::current_exe()
        .ok()
        .and_then(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "df-migrations".to_owned());
    let host = gethostname::gethostname();
    format!("{program} pid {} on {}", std::process::id(), host.to_string_lossy())
}

/// The holder record of a lease taken now by `who`.
pub fn holder(who: &str) -> Holder {
    Holder { who: who.to_owned(), since: df_schema::core::format_timestamp(&chrono::Utc::now()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_tags_are_their_first_half() {
        let (a, b) = (Lease::new(Duration::from_secs(1), holder("a")), Lease::new(Duration::from_secs(1), holder("b")));
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 32);
        assert!(a.token.chars().all(|c| c.is_ascii_hexdigit()), "{}", a.token);
        assert_eq!(a.tag(), a.token[..16]);
    }

    #[test]
    fn the_process_is_named_with_its_pid_and_host() {
        let who = this_process();
        let pid = format!(" pid {} on ", std::process::id());
        assert!(who.contains(&pid), "{who}");
        assert!(!who.ends_with(" on "), "a host name: {who}");
    }
}
