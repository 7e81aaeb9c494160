//! The upgrade lease as Redis holds it: its key, its JSON value, its TTL in milliseconds,
//! and the Lua scripts that renew, release and fence with it. The store's lease methods,
//! the single server's fenced transaction and the cluster's slot check all rely on the
//! same key and value, so they are defined here once.

pub(super) use crate::store::lease_value::{decode as decode_lease, encode as encode_lease};
use std::time::Duration;

/// The lease's key. Its hash tag is the engine table's, so that on a cluster the records
/// written under the lease (`{df_schema.}commit`, …) share its slot and one script can
/// check the lease and write them.
pub(super) const LEASE_KEY: &str = "{df_schema.}lease";

/// The hash tag a record must have for
/// [`Store::write_if_leased`](crate::store::Store::write_if_leased) on a cluster (the
/// lease's).
pub(super) const LEASE_HASH_TAG: &str = "df_schema.";

// The scripts, kept tiny: each touches the lease and at most one other key, in one slot.
// Each gets the lease key as KEYS[1] and the caller's token as ARGV[1], and starts with
// `lease_is_ours!()`, which sets `ours` when the lease exists and its JSON value (see
// `encode_lease`) has that token. A lease value that is not JSON makes the script fail
// (cjson raises), which surfaces as an error naming the key.
macro_rules! lease_is_ours {
    () => {
        "local v = redis.call('GET', KEYS[1])\n\
         local ours = v and cjson.decode(v).token == ARGV[1]\n"
    };
}

/// Extends the lease to ARGV[2] milliseconds if it is ours. Returns 1 if it did, else 0.
pub(super) const RENEW: &str =
    concat!(lease_is_ours!(), "if ours then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\nreturn 0\n");

/// Deletes the lease if it is ours. Returns 1 if it did, else 0.
pub(super) const RELEASE: &str = concat!(lease_is_ours!(), "if ours then return redis.call('DEL', KEYS[1]) end\nreturn 0\n");

/// Sets KEYS[2] to ARGV[2] if the lease is ours (fencing). Returns 1 if it wrote, else 0.
/// On a cluster KEYS[2] must be in the lease's slot.
pub(super) const SET_IF_LEASED: &str =
    concat!(lease_is_ours!(), "if ours then redis.call('SET', KEYS[2], ARGV[2]) return 1 end\nreturn 0\n");

/// A TTL in milliseconds, as `PX`/`PEXPIRE` take it: at least 1 (Redis refuses 0), at
/// most about 35,000 years (Redis refuses expiry times that overflow).
pub(super) fn millis(ttl: Duration) -> u64 {
    const MAX: u64 = 1 << 50;
    u64::try_from(ttl.as_millis()).unwrap_or(MAX).clamp(1, MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_positive_milliseconds() {
        assert_eq!(millis(Duration::from_micros(10)), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), 1 << 50);
    }

    #[test]
    fn scripts_start_with_the_lease_check() {
        for script in [RENEW, RELEASE, SET_IF_LEASED] {
            assert!(script.starts_with("local v = redis.call('GET', KEYS[1])\nlocal ours = v and"), "{script}");
        }
    }
}
