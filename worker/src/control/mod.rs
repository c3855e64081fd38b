//! The control plane in D1, and the per-isolate caches that keep it off the hot path: a warm
//! isolate checks a bearer token and finds the organization without a D1 query. When an entry
//! is missing or too old, one D1 read fills it and every request that needs it meanwhile
//! awaits that same read.

mod d1;

use std::cell::RefCell;
use std::collections::HashMap;
use std::thread::LocalKey;

use futures_util::FutureExt;
use futures_util::future::{LocalBoxFuture, Shared};
use totp_domain::control::cache::{MAX_AGE, TtlCache, configured_age};
use totp_domain::control::{self as domain, Control, KeyState, admit};
use totp_domain::error::Result;
use totp_domain::model::{Organization, Tenant};
use worker::Env;

pub use d1::D1;

/// Entries per cache before it starts over.
const CACHE_CAPACITY: usize = 10_000;

/// A D1 read in flight, shared by every request that needs its answer, with the second it
/// started.
type Fill<V> = Shared<LocalBoxFuture<'static, Result<(V, u64)>>>;

/// A cache and the reads filling it.
struct Cached<V: Clone> {
    entries: TtlCache<V>,
    fills: HashMap<String, Fill<V>>,
}

impl<V: Clone> Cached<V> {
    fn new() -> Self {
        Self {
            entries: TtlCache::new(MAX_AGE, CACHE_CAPACITY),
            fills: HashMap::new(),
        }
    }
}

thread_local! {
    // Workers run one thread per isolate: these live as long as the isolate.
    static KEYS: RefCell<Cached<Option<KeyState>>> = RefCell::new(Cached::new());
    static DIRECTORY: RefCell<Cached<Organization>> = RefCell::new(Cached::new());
}

/// Applies the cache age of the `CONTROL_CACHE_SECONDS` variable (at most a minute).
pub fn configure(env: &Env) {
    let value = env
        .var("CONTROL_CACHE_SECONDS")
        .ok()
        .map(|value| value.to_string());
    let age = configured_age(value.as_deref());
    KEYS.with_borrow_mut(|cache| cache.entries.set_max_age(age));
    DIRECTORY.with_borrow_mut(|cache| cache.entries.set_max_age(age));
}

/// The entry for `key`: cached if younger than the cache age, else read by `load` (one read
/// for all the requests that need it at once; errors are not cached). Whichever request sees
/// the read finish first caches it, dated when the read started, so a cancelled request never
/// leaves a stale read behind.
async fn cached<V: Clone + 'static>(
    cache: &'static LocalKey<RefCell<Cached<V>>>,
    key: String,
    now: u64,
    load: impl FnOnce() -> LocalBoxFuture<'static, Result<V>>,
) -> Result<V> {
    if let Some(value) = cache.with_borrow(|cache| cache.entries.get(&key, now)) {
        return Ok(value);
    }
    let fill = cache.with_borrow_mut(|cache| {
        cache
            .fills
            .entry(key.clone())
            .or_insert_with(|| {
                let read = load();
                async move { read.await.map(|value| (value, now)) }
                    .boxed_local()
                    .shared()
            })
            .clone()
    });
    let result = fill.clone().await;
    cache.with_borrow_mut(|cache| {
        if cache
            .fills
            .get(&key)
            .is_some_and(|pending| pending.ptr_eq(&fill))
        {
            cache.fills.remove(&key);
            if let Ok((value, read_at)) = &result {
                cache.entries.insert(key, value.clone(), *read_at);
            }
        }
    });
    result.map(|(value, _)| value)
}

/// The tenant of a bearer token: its signature and expiry, then its key's state from the
/// cache, or from D1 when the cached state is missing or too old.
pub async fn authenticate(
    control: &Control<'_, D1>,
    d1: &D1,
    token: &str,
    now: u64,
) -> Result<Tenant> {
    let claims = control.verify_token(token)?;
    let client_id = claims.client_id.clone();
    let db = d1.detached();
    let state = cached(&KEYS, client_id.clone(), now, move || {
        async move { domain::key_state(&db, &client_id).await }.boxed_local()
    })
    .await?;
    admit(&claims, state.as_ref())
}

/// Forgets a key's cached state on this isolate (after revoking it here).
pub fn forget_key(client_id: &str) {
    KEYS.with_borrow_mut(|cache| cache.entries.remove(client_id));
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
    let (db, tenant, domain) = (d1.detached(), tenant.clone(), domain.to_owned());
    cached(&DIRECTORY, key, now, move || {
        async move { domain::organization(&db, &tenant, &domain).await }.boxed_local()
    })
    .await
}
