//! Keys of the engine's span that other software attached to etcd leases: they vanish
//! when their lease ends, so an upgrade that wrote them would lose them later; the engine
//! refuses them before it writes (see `Store::expiring`).

use super::client::{bytes, int};
use super::EtcdStore;
use crate::store::StoreError;
use serde_json::json;

/// Leases past this many are not asked for their keys one by one: the keys are scanned.
const LISTED_LEASES: usize = 256;

impl EtcdStore {
    /// The first key of `[start, end)` but `lock` that is attached to an etcd lease other
    /// than this store's own, with the seconds its lease has left. Asks each lease for its
    /// keys, which costs a request per lease, not a read of every key; past
    /// [`LISTED_LEASES`] leases, scans the keys instead.
    pub(super) fn leased_key(&mut self, start: &[u8], end: &[u8], lock: &[u8]) -> Result<Option<(Vec<u8>, i64)>, StoreError> {
        let own = self.held.as_ref().map(|held| held.id);
        let reply = self.post("listing the leases", "/v3/lease/leases", &json!({}))?;
        let leases: Vec<i64> = reply["leases"].as_array().map_or(&[][..], Vec::as_slice).iter().map(|lease| int(&lease["ID"])).filter(|id| Some(*id) != own).collect();
        let within = |key: &[u8]| key >= start && key < end && key != lock;
        let mut found: Option<(Vec<u8>, i64)> = None;
        if leases.len() > LISTED_LEASES {
            self.range(start, end, None, true, &mut |kv| {
                let key = bytes(&kv["key"]).unwrap_or_default();
                if found.is_none() && int(&kv["lease"]) != 0 && within(&key) {
                    found = Some((key, int(&kv["lease"])));
                }
                Ok(())
            })?;
            let Some((key, lease)) = found else { return Ok(None) };
            return Ok(Some((key, self.time_to_live(lease, false)?.0)));
        }
        for lease in leases {
            let (ttl, keys) = self.time_to_live(lease, true)?;
            for key in keys.into_iter().filter(|key| within(key)) {
                if found.as_ref().is_none_or(|(first, _)| key < *first) {
                    found = Some((key, ttl));
                }
            }
        }
        Ok(found)
    }

    /// An etcd lease's seconds left, and with `keys` the keys attached to it.
    fn time_to_live(&mut self, lease: i64, keys: bool) -> Result<(i64, Vec<Vec<u8>>), StoreError> {
        let reply = self.post("reading a lease's time to live", "/v3/lease/timetolive", &json!({ "ID": lease.to_string(), "keys": keys }))?;
        let keys = reply["keys"].as_array().map_or(&[][..], Vec::as_slice).iter().filter_map(|key| bytes(key).ok()).collect();
        Ok((int(&reply["TTL"]), keys))
    }
}
