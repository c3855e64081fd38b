//! What time it is. The deploy build reads the runtime's clock only; a test build (cargo
//! feature `test-clock`, which `make deploy` never enables) lets workerd tests set the time
//! with an `x-test-now` header, so rules that span minutes or days are tested through the API.

use worker::{Date, Request};

/// The header a test build reads the time from, in Unix seconds, and forwards to objects.
#[cfg(feature = "test-clock")]
pub const TEST_NOW: &str = "x-test-now";

/// Unix seconds now, for `request`.
pub fn now(request: &Request) -> u64 {
    test_now(request).unwrap_or_else(|| Date::now().as_millis() / 1000)
}

/// The time a test set on `request`: always `None` in the deploy build.
pub fn test_now(request: &Request) -> Option<u64> {
    #[cfg(feature = "test-clock")]
    {
        request
            .headers()
            .get(TEST_NOW)
            .ok()
            .flatten()
            .and_then(|value| value.parse().ok())
    }
    #[cfg(not(feature = "test-clock"))]
    {
        let _ = request;
        None
    }
}
