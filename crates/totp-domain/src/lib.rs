//! The headless TOTP service's rules, free of any Worker API, so the ring boundary is a
//! compiler fact.
//!
//! - [`control`]: the control plane (accounts, API keys, the organization directory) over an
//!   asynchronous SQL database ([`sql::ControlDb`], D1 in the Worker).
//! - [`org`]: everything under one organization (users, its TOTP connection, factors, recovery
//!   codes, challenges, the audit trail) over that organization's own synchronous SQLite
//!   ([`sql::Sql`], a Durable Object's storage in the Worker). Every operation there is a plain
//!   function with no `await`: nothing can run between reading state and committing its
//!   change, and each change commits with its audit event in one transaction.
//! - [`factor`]: the factor's rules as pure state changes, testable without any store.
//!
//! Native tests run the same schema and statements on bundled SQLite.

pub mod control;
pub mod cursor;
pub mod error;
pub mod factor;
pub mod guard;
pub mod idempotency;
pub mod keys;
pub mod lockout;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod org;
pub mod sql;
pub mod tokens;
pub mod validate;
pub mod webhook;

/// A new random identifier (UUID v4).
pub fn new_id() -> error::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(error::Error::internal)?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string())
}

// Native only: they run on bundled SQLite.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
