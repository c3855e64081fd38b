//! Test builds only (cargo feature `storage-contract`): the storage guarantees of
//! `totp_domain::sql::contract`, which bundled SQLite passes natively, checked on the engines
//! the service runs on: an organization object's own storage (its `/storage-contract`) and D1
//! (the Worker's `/storage-contract`). tests/worker/storage.test.mjs calls both.

use worker::{Env, Response, Result};

use crate::control::D1;
use crate::wire::answers::Health;
use crate::wire::respond;

/// The path both hooks answer on.
pub const PATH: &str = "/storage-contract";

/// 200 when every guarantee holds, else 500 naming the first broken one.
pub fn answer(checked: std::result::Result<(), String>) -> Result<Response> {
    match checked {
        Ok(()) => respond::json(200, &Health::OK),
        Err(broken) => Response::error(broken, 500),
    }
}

/// The control plane's guarantees, on D1.
pub async fn d1(env: &Env) -> Result<Response> {
    answer(totp_domain::sql::contract::check_control(&D1::new(env)).await)
}
