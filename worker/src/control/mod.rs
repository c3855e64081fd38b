//! The control plane in D1, and the per-isolate caches that keep it off the hot path: a warm
//! isolate checks a bearer token and finds the organization without a D1 query.

mod d1;

use std::cell::RefCell;

use totp_domain::control::cache::{MAX_AGE, TtlCache, configured_age};
use totp_domain::control::{Control, KeyState, admit};
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

/// The tenant of a bearer token: its signature and expiry, then its key's state from the
/// cache, or from D1 when the cached state is missing or too old.
pub async fn authenticate(control: &Control<'_, D1>, token: &str, now: u64) -> Result<Tenant> {
    let claims = control.verify_token(token)?;
    let cached = KEYS.with_borrow(|cache| cache.get(&claims.client_id, now));
    let state = match cached {
        Some(state) => state,
        None => {
            let state = control.key_state(&claims.client_id).await?;
            KEYS.with_borrow_mut(|cache| {
                cache.insert(claims.client_id.clone(), state.clone(), now)
            });
            state
        }
    };
    admit(&claims, state.as_ref())
}

/// Forgets a key's cached state on this isolate (after revoking it here).
pub fn forget_key(client_id: &str) {
    KEYS.with_borrow_mut(|cache| cache.remove(client_id));
}

/// The tenant's organization with this domain, from the cache or D1. Only organizations that
/// exist are cached: a new one is found at once.
pub async fn organization(
    control: &Control<'_, D1>,
    tenant: &Tenant,
    domain: &str,
    now: u64,
) -> Result<Organization> {
    let key = format!(
        "{}/{}/{domain}",
        tenant.account_id,
        tenant.environment.as_str()
    );
    if let Some(organization) = DIRECTORY.with_borrow(|cache| cache.get(&key, now)) {
        return Ok(organization);
    }
    let organization = control.organization(tenant, domain).await?;
    DIRECTORY.with_borrow_mut(|cache| cache.insert(key, organization.clone(), now));
    Ok(organization)
}
