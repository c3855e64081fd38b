//! The control plane in D1, and the caches that keep it off the hot path: a warm isolate checks
//! a bearer token and finds the organization without a D1 query, and a cold one finds the
//! organization in KV (the directory's read-mostly copy), without a D1 query either.
//!
//! Each request reads D1 itself when it must: a read started by one request must never be
//! awaited by another (Workers binds I/O to the request that started it), so misses are not
//! coalesced; instead one request renews an entry shortly before it expires (see `TtlCache`).

mod d1;

use std::cell::{Cell, RefCell};
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
    static CONFIGURED: Cell<bool> = const { Cell::new(false) };
}

/// Applies the cache age of the `CONTROL_CACHE_SECONDS` variable (at most a minute), once per
/// isolate: an isolate runs one version of the Worker, with its variables.
pub fn configure(env: &Env) {
    if CONFIGURED.replace(true) {
        return;
    }
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

fn directory_key(tenant: &Tenant, domain: &str) -> String {
    format!(
        "{}/{}/{domain}",
        tenant.account_id,
        tenant.environment.as_str()
    )
}

/// Forgets an organization's cached entry on this isolate (after changing or deleting it
/// here).
pub fn forget_organization(tenant: &Tenant, domain: &str) {
    DIRECTORY.with_borrow_mut(|cache| cache.remove(&directory_key(tenant, domain)));
}

/// The tenant's organization with this domain, to route a call into its object: from this
/// isolate's cache, else from KV, else from D1 (then copied to KV). Only organizations that
/// exist are cached: a new one is found at once. An entry is at most the cache's age old here
/// and KV's (60 s) more from KV; a deleted organization's object answers 404 whatever the
/// entry says.
pub async fn organization(
    env: &Env,
    d1: &D1,
    tenant: &Tenant,
    domain: &str,
    now: u64,
) -> Result<Organization> {
    let key = directory_key(tenant, domain);
    cached(&DIRECTORY, key, now, || {
        read_through(env, d1, tenant, domain)
    })
    .await
}

/// The KV binding that holds the directory's copy.
const KV: &str = "KV";

fn kv_key(tenant: &Tenant, domain: &str) -> String {
    format!("organization/{}", directory_key(tenant, domain))
}

async fn read_through(env: &Env, d1: &D1, tenant: &Tenant, domain: &str) -> Result<Organization> {
    let kv = env.kv(KV).ok();
    let key = kv_key(tenant, domain);
    if let Some(kv) = &kv {
        match kv.get(&key).text().await {
            Ok(Some(text)) => match serde_json::from_str(&text) {
                Ok(organization) => return Ok(organization),
                Err(error) => {
                    worker::console_error!("an unreadable directory entry in KV: {error}")
                }
            },
            Ok(None) => {}
            Err(error) => worker::console_error!("KV read failed: {error}"),
        }
    }
    let organization = domain::organization(d1, tenant, domain).await?;
    if let Some(kv) = &kv {
        put(kv, &key, &organization).await;
    }
    Ok(organization)
}

async fn put(kv: &worker::KvStore, key: &str, organization: &Organization) {
    let written = match serde_json::to_string(organization) {
        Ok(text) => match kv.put(key, text) {
            Ok(put) => put.execute().await.map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        },
        Err(error) => Err(error.to_string()),
    };
    if let Err(error) = written {
        worker::console_error!("KV write failed: {error}");
    }
}

/// Copies an organization's directory entry to KV (after creating or changing it); a failure
/// is logged: the next cold isolate reads D1 and writes it again.
pub async fn publish(env: &Env, organization: &Organization) {
    let tenant = Tenant {
        account_id: organization.account_id.clone(),
        environment: organization.environment,
    };
    forget_organization(&tenant, &organization.domain);
    if let Ok(kv) = env.kv(KV) {
        put(&kv, &kv_key(&tenant, &organization.domain), organization).await;
    }
}

/// Removes a deleted organization's entry from this isolate's cache and from KV.
pub async fn unpublish(env: &Env, tenant: &Tenant, domain: &str) {
    forget_organization(tenant, domain);
    if let Ok(kv) = env.kv(KV)
        && let Err(error) = kv.delete(&kv_key(tenant, domain)).await
    {
        worker::console_error!("KV delete failed: {error}");
    }
}
