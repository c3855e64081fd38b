//! The service's rules, free of `worker::*`: it sees storage through [`store::Store`] and time
//! through [`Clock`], so it runs natively in tests with an in-memory store and a fixed clock.

mod accounts;
mod audit;
mod challenges;
mod connection;
mod enrollment;
pub mod error;
pub mod keys;
pub mod lockout;
pub mod model;
mod organizations;
pub mod store;
pub mod tokens;
mod users;
mod validate;

pub use accounts::NewApiKey;
pub use challenges::{ChallengeCreated, ValidationResult};
pub use connection::ConnectionUpdate;
pub use enrollment::EnrollmentCreated;
pub use users::NewUser;

use keys::Keys;
use store::Store;

/// The current time in Unix seconds.
pub trait Clock {
    /// Now.
    fn now(&self) -> u64;
}

/// A clock that always says the same time: one request's "now", or a test's.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// The service: every operation of the API.
pub struct Service<'a, S, C> {
    store: &'a S,
    keys: &'a Keys,
    clock: C,
}

impl<'a, S: Store, C: Clock> Service<'a, S, C> {
    /// A service over `store`, with the service's `keys` and a `clock`.
    pub fn new(store: &'a S, keys: &'a Keys, clock: C) -> Self {
        Self { store, keys, clock }
    }
}

/// A new random identifier (UUID v4).
pub fn new_id() -> error::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(error::Error::internal)?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string())
}

#[cfg(test)]
mod tests;
