//! The control plane in D1, and the per-isolate caches that keep it off the hot path: a warm
//! isolate checks a bearer token and finds the organization without a D1 query.
//!
//! Each request reads D1 itself when it must: a read started by one request must never be
//! awaited by another (Workers binds I/O to the request that started it), so misses are not
//! coalesced; instead one request renews an entry shortly before it expires (see `TtlCache`).

mod d1;

use std::cell::RefCell;
use std::thread::LocalKey;

use totp_domain::control::cache::{Lookup, MAX_AGE, TtlCache, configured_age};
use totp_domain::control::{self as domain, Control, KeyState, admit};
use totp_domain::error::Result;
use totp_domain::model::{Organization, Tenant};
use worker::Env;

pub use d1::D1;

/// Entries per cache before it starts over.
const CACHE_CAPACITY: usize = 10_000;

thread_local! {
    // Workers run one thread per isolate: these live as long as the isolate.
    static KEYS: RefCell<TtlCache<Option<KeyState>>> =
        RefCell::new(TtlCache::new(MAX_AGE, CACHE_CAPACITY));
    static DIRECTORY: RefCell<TtlCache<Organization>> =
        RefCell::new(TtlCache::new(MAX_AGE, CACHE_CAPACITY));
}

/// Applies the cache age of the `CONTROL_CACHE_SECONDS` variable (at most a minute).
pub fn configure(env: &Env) {
    let value = env
        .var("CONTROL_CACHE_SECONDS")
        .ok()
        .map(|value| value.to_string());
    let age = configured_age(value.as_deref());
    KEYS.with_borrow_mut(|cache| cache.set_max_age(age));
    DIRECTORY.with_borrow_mut(|cache| cache.set_max_age(age));
}

/// The entry for `key`: from the cache while younger than its age, else read by `read`.
/// Errors are not cached; a failed renewal keeps the still-valid entry.
async fn cached<V: Clone, F: Future<Output = Result<V>>>(
    cache: &'static LocalKey<RefCell<TtlCache<V>>>,
    key: String,
    now: u64,
    read: impl FnOnce() -> F,
) -> Result<V> {
    let still_valid = match cache.with_borrow_mut(|cache| cache.lookup(&key, now)) {
        Lookup::Fresh(value) => return Ok(value),
        Lookup::Renew(value) => Some(value),
        Lookup::Missing => None,
    };
    match (read().await, still_valid) {
        (Ok(value), _) => {
            cache.with_borrow_mut(|cache| cache.insert(key, value.clone(), now));
            Ok(value)
        }
        (Err(_), Some(value)) => {
            cache.with_borrow_mut(|cache| cache.renewal_failed(&key));
            Ok(value)
        }
        (Err(error), None) => Err(error),
    }
}

/// The tenant of a bearer token: its signature and expiry, then its key's state from the
/// cache, or from D1 when the cached state is missing or too old.
pub async fn authenticate(
    control: &Control<'_, D1>,
    d1: &D1,
    token: &str,
    now: u64,
) -> Result<(Tenant, String)> {
    let claims = control.verify_token(token)?;
    let client_id = &claims.client_id;
    let state = cached(&KEYS, client_id.clone(), now, || {
        domain::key_state(d1, client_id)
    })
    .await?;
    Ok((admit(&claims, state.as_ref())?, claims.client_id))
}

/// Forgets a key's cached state on this isolate (after revoking it here).
pub fn forget_key(client_id: &str) {
    KEYS.with_borrow_mut(|cache| cache.remove(client_id));
}

/// The tenant's organization with this domain, from the cache or D1. Only organizations that
/// exist are cached: a new one is found at once.
pub async fn organization(
    d1: &D1,
    tenant: &Tenant,
    domain: &str,
    now: u64,
) -> Result<Organization> {
    let key = format!(
        "{}/{}/{domain}",
        tenant.account_id,
        tenant.environment.as_str()
    );
    cached(&DIRECTORY, key, now, || {
        domain::organization(d1, tenant, domain)
    })
    .await
}
