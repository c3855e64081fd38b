//! The control plane: accounts, their API keys and the organization directory, in D1. It is
//! read-mostly: the hot path reads it through [`cache::TtlCache`]s of bounded age, so a warm
//! request does not query it at all. The two reads of the hot path, [`key_state`] and
//! [`organization`], are free functions over the database alone, so a cache can run them on a
//! miss. Each request that misses reads for itself: Workers binds I/O to the request that
//! started it, so misses are never coalesced (see the Worker's `control` module).

mod accounts;
pub mod cache;
mod directory;
mod idempotency;
mod store;

pub use accounts::{AccessToken, KeyState, NewApiKey, admit, key_state};
pub use directory::organization;

use crate::keys::Keys;
use crate::sql::ControlDb;

/// The control plane's operations at one instant.
pub struct Control<'a, D> {
    db: &'a D,
    keys: &'a Keys,
    now: u64,
}

impl<'a, D: ControlDb> Control<'a, D> {
    /// The operations over `db`, with the service's `keys`, at Unix second `now`.
    pub fn new(db: &'a D, keys: &'a Keys, now: u64) -> Self {
        Self { db, keys, now }
    }

    /// Reaches the database once, for the health check.
    pub async fn ping(&self) -> crate::error::Result<()> {
        store::account_by_domain(self.db, "").await.map(drop)
    }
}
