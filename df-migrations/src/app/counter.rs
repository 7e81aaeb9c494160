//! Drawing a key from a table's unique-key counter (`{unique_key.}<table>`, a decimal
//! integer, as Redis `INCR` and `NbApi::allocate_unique_key` keep it) through the `Store`
//! trait alone, which has no atomic increment: the read and the write are made under the
//! upgrade lease, held for a moment, so that two allocations (or an allocation and an
//! upgrade) never interleave, on any store.

use super::error::AppError;
use crate::layout::Key;
use crate::lease;
use crate::store::{Fenced, Op, Store};
use std::time::{Duration, Instant};

/// How long the lease lasts if this process dies while it holds it for an allocation.
const LEASE_TTL: Duration = Duration::from_secs(10);
/// The longest pause between two attempts to take the lease.
const MAX_BACKOFF: Duration = Duration::from_millis(100);

/// Increments the counter of `table` and returns the new value (the first is 1), waiting
/// up to `wait` for the lease. `model` names the model in errors.
pub(super) fn allocate(store: &mut dyn Store, model: &'static str, table: &'static str, wait: Duration) -> Result<i64, AppError> {
    let token = lease::token();
    let holder = lease::holder(&format!("{} (allocating a unique key of `{table}`)", lease::this_process()));
    let started = Instant::now();
    let mut backoff = Duration::from_millis(2);
    while let Some(current) = store.acquire_lease(&token, &holder, LEASE_TTL)? {
        let waited = started.elapsed();
        if waited >= wait {
            return Err(AppError::Locked { store: store.describe(), table, waited, holder: Some(current) });
        }
        std::thread::sleep(backoff.min(wait.checked_sub(waited).unwrap()));
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    let result = increment(store, &token, model, table);
    let released = store.release_lease(&token);
    let value = result?;
    released?;
    Ok(value)
}

/// Reads, increments and writes the counter; the caller holds the lease under `token`.
fn increment(store: &mut dyn Store, token: &str, model: &'static str, table: &'static str) -> Result<i64, AppError> {
    let key = Key::counter(table).encode();
    let current = match store.get_many(std::slice::from_ref(&key))?.pop().flatten() {
        None => 0,
        Some(bytes) => std::str::from_utf8(&bytes).ok().and_then(|text| text.parse::<i64>().ok()).ok_or_else(|| AppError::BadValue {
            store: store.describe(),
            model,
            table,
            key: key.clone(),
            reason: format!("a unique-key counter is a decimal integer, not {:?}", String::from_utf8_lossy(&bytes)),
        })?,
    };
    let next = current.checked_add(1).ok_or_else(|| AppError::CounterExhausted { store: store.describe(), table, key: key.clone(), value: current })?;
    let batch = [Op::Set(key, next.to_string().into_bytes())];
    let lost = |store: &dyn Store| AppError::Locked { store: store.describe(), table, waited: Duration::ZERO, holder: None };
    match store.write_if_leased(token, &batch)? {
        Fenced::Written => Ok(next),
        Fenced::LeaseLost => Err(lost(store)),
        // A Redis Cluster fences only keys in the lease's slot. The lease still keeps other
        // allocations and upgrades out; it is checked once more just before the write.
        Fenced::Declined(_) if store.renew_lease(token, LEASE_TTL)? => {
            store.write(&batch)?;
            Ok(next)
        }
        Fenced::Declined(_) => Err(lost(store)),
    }
}
