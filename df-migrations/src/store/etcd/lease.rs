//! The upgrade lease on etcd's own primitives: an etcd lease, kept alive by a thread of
//! the runner's (a third of its TTL apart, as etcd's own clients do), and a lock key
//! created only if absent and attached to it. A runner that dies, or is stopped, stops
//! keeping its lease alive; etcd then ends the lease and deletes the lock key. Every
//! transaction of the holder compares the lock key's value with its own, so a runner
//! whose lease ended writes nothing more.

use super::client::{b64, bytes, int, Client};
use super::EtcdStore;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use crate::store::lease_value;
use crate::store::{Holder, LeaseState, StoreError};
use serde_json::{json, Value};
use std::time::Duration;

/// The lease while a store holds it.
pub struct Held {
    /// The holder's token.
    pub token: String,
    /// The etcd lease the lock key is attached to.
    pub(super) id: i64,
    /// The lock key's value.
    value: Vec<u8>,
    /// The thread keeping the etcd lease alive.
    keeper: Keeper,
}

/// A thread that keeps an etcd lease alive until it is dropped, or the lease ended.
struct Keeper {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Set once a keep-alive found the lease ended.
    ended: Arc<AtomicBool>,
}

impl Keeper {
    fn start(mut client: Client, id: i64, ttl: Duration) -> Keeper {
        let (stop, stopped) = mpsc::channel::<()>();
        let ended = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ended);
        let every = (ttl / 3).max(Duration::from_millis(100));
        let thread = std::thread::Builder::new().name("etcd-lease".to_owned()).spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                match client.post("/v3/lease/keepalive", &json!({ "ID": id.to_string() })) {
                    Ok(reply) if int(&reply["result"]["TTL"]) > 0 => {}
                    Ok(_) => {
                        flag.store(true, Ordering::SeqCst);
                        return;
                    }
                    // A member that does not answer now may answer at the next round.
                    Err(error) => tracing::warn!(%error, "could not keep the etcd lease alive"),
                }
            }
        });
        Keeper { stop: Some(stop), thread: thread.ok(), ended }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Held {
    /// The compare that fences a transaction: the lock key `lock` still holds this
    /// holder's value.
    pub fn compare(&self, lock: &[u8]) -> Value {
        json!({ "key": b64(lock), "target": "VALUE", "result": "EQUAL", "value": b64(&self.value) })
    }
}

/// An etcd lease's TTL in whole seconds, at least 1.
fn seconds(ttl: Duration) -> u64 {
    ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)
}

impl EtcdStore {
    fn lock(&self) -> Vec<u8> {
        self.etcd_key(&self.lease_key)
    }

    /// The lock key's record (value, lease, revisions), if it exists.
    fn lock_record(&mut self) -> Result<Option<Value>, StoreError> {
        let reply = self.post("reading the lease", "/v3/kv/range", &json!({ "key": b64(&self.lock()) }))?;
        Ok(reply["kvs"].as_array().and_then(|kvs| kvs.first()).cloned())
    }

    /// The token and holder in the lock key's record.
    fn holder_of(&self, record: &Value) -> Result<(String, Holder), StoreError> {
        let value = bytes(&record["value"]).unwrap_or_default();
        lease_value::decode(&value).ok_or_else(|| StoreError::Key {
            store: self.name.clone(),
            key: String::from_utf8_lossy(&self.lock()).into_owned(),
            message: format!("the lease holds {:?}, not a df-schema lease; delete it if no runner is upgrading", String::from_utf8_lossy(&value)),
        })
    }

    fn revoke(&mut self, id: i64) {
        // Best effort: a lease not revoked ends with its TTL.
        let _ = self.client.post("/v3/lease/revoke", &json!({ "ID": id.to_string() }));
    }

    /// Grants an etcd lease and creates the lock key on it if absent.
    pub(super) fn take_lease(&mut self, token: &str, holder: &Holder, ttl: Duration) -> Result<Option<Holder>, StoreError> {
        if self.held.as_ref().is_some_and(|held| held.token == token) && self.keep_lease(token, ttl)? {
            return Ok(None);
        }
        let grant = self.post("granting a lease", "/v3/lease/grant", &json!({ "TTL": seconds(ttl).to_string() }))?;
        let id = int(&grant["ID"]);
        let lock = self.lock();
        let value = lease_value::encode(token, holder).into_bytes();
        let request = json!({
            "compare": [{ "key": b64(&lock), "target": "CREATE", "result": "EQUAL", "create_revision": "0" }],
            "success": [{ "request_put": { "key": b64(&lock), "value": b64(&value), "lease": id.to_string() } }],
            "failure": [{ "request_range": { "key": b64(&lock) } }],
        });
        let reply = self.post("taking the lease", "/v3/kv/txn", &request)?;
        if reply["succeeded"].as_bool() == Some(true) {
            let keeper = Keeper::start(self.client.clone(), id, Duration::from_secs(seconds(ttl)));
            self.held = Some(Held { token: token.to_owned(), id, value, keeper });
            return Ok(None);
        }
        self.revoke(id);
        // The failed compare and this read are one transaction: the lock key is there.
        match reply["responses"][0]["response_range"]["kvs"].as_array().and_then(|kvs| kvs.first()).cloned() {
            Some(record) => Ok(Some(self.holder_of(&record)?.1)),
            None => Err(StoreError::Key {
                store: self.name.clone(),
                key: String::from_utf8_lossy(&lock).into_owned(),
                message: "taking the lease found it held, then read no holder; try again".to_owned(),
            }),
        }
    }

    /// Keeps the etcd lease alive; `false` if it ended or the lock key is no longer ours.
    pub(super) fn keep_lease(&mut self, token: &str, _ttl: Duration) -> Result<bool, StoreError> {
        let Some((id, value, ended)) = self.held.as_ref().filter(|held| held.token == token).map(|held| (held.id, held.value.clone(), held.keeper.ended.load(Ordering::SeqCst))) else {
            return Ok(false);
        };
        let reply = self.post("keeping the lease alive", "/v3/lease/keepalive", &json!({ "ID": id.to_string() }))?;
        let alive = !ended && int(&reply["result"]["TTL"]) > 0 && self.lock_record()?.is_some_and(|record| bytes(&record["value"]).is_ok_and(|v| v == value));
        if !alive {
            self.held = None;
        }
        Ok(alive)
    }

    /// Deletes the lock key if it holds `token` (ours, or a stale one being broken), and
    /// ends its etcd lease.
    pub(super) fn drop_lease(&mut self, token: &str) -> Result<(), StoreError> {
        let Some(record) = self.lock_record()? else { return Ok(()) };
        let (holder_token, _) = self.holder_of(&record)?;
        if holder_token != token {
            return Ok(());
        }
        let lock = self.lock();
        let compare = json!({ "key": b64(&lock), "target": "MOD", "result": "EQUAL", "mod_revision": int(&record["mod_revision"]).to_string() });
        self.txn("releasing the lease", vec![compare], vec![json!({ "request_delete_range": { "key": b64(&lock) } })])?;
        self.revoke(int(&record["lease"]));
        if self.held.as_ref().is_some_and(|held| held.token == token) {
            self.held = None;
        }
        Ok(())
    }

    /// The lease as the lock key shows it, with its etcd lease's time left.
    pub(super) fn lease_state(&mut self) -> Result<Option<LeaseState>, StoreError> {
        let Some(record) = self.lock_record()? else { return Ok(None) };
        let (token, holder) = self.holder_of(&record)?;
        let id = int(&record["lease"]);
        let expires_in = if id == 0 {
            None
        } else {
            let reply = self.post("reading the lease's time to live", "/v3/lease/timetolive", &json!({ "ID": id.to_string() }))?;
            u64::try_from(int(&reply["TTL"])).ok().map(Duration::from_secs)
        };
        Ok(Some(LeaseState { holder, token: Some(token), expires_in }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_ttls_round_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_secs(30)), 30);
        assert_eq!(seconds(Duration::from_millis(1500)), 2);
    }
}
