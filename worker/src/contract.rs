//! Test builds only (cargo feature `storage-contract`): the storage guarantees of
//! `totp_domain::sql::contract`, which bundled SQLite passes natively, checked on the engines
//! the service runs on: an organization object's own storage (its `/storage-contract`) and D1
//! (the Worker's `/storage-contract`). tests/worker/storage.test.mjs calls both.
//!
//! And a canary for the scans of persisted files: `POST /test/canary/{organization id}` writes a
//! value into that organization's object the way storage writes every binary value (base64, as
//! sealed secrets and profiles are written) and deletes it in the same transaction, so it
//! lingers only where deleted rows linger (free pages, the write-ahead log). A scan that cannot
//! find it cannot see what it is looking for.

use totp_domain::sql::{Sql, Statement, blob};
use worker::{Env, Response, Result};

use crate::control::D1;
use crate::wire::answers::Health;
use crate::wire::respond;

/// The path both hooks answer on.
pub const PATH: &str = "/storage-contract";

/// The Worker's path for a canary, followed by the organization id; the object's own path.
pub const CANARY_PATH: &str = "/test/canary";

/// Writes `value` as storage writes binary values into a row, and deletes the row, in one
/// transaction.
pub fn plant(sql: &impl Sql, value: &str) -> std::result::Result<(), String> {
    sql.commit(vec![
        Statement::new(
            "INSERT INTO audit_events (at, event, detail) VALUES (0, 'test.canary', ?1)",
            vec![blob(value.as_bytes())],
        ),
        Statement::new(
            "DELETE FROM audit_events WHERE event = 'test.canary'",
            vec![],
        ),
    ])
    .map_err(|error| format!("{error:?}"))
}

/// Plants a canary in the object of organization `id`.
pub async fn canary(env: &Env, id: &str, mut request: worker::Request) -> Result<Response> {
    let value = request.text().await?;
    crate::org_object::plant_canary(env, id, value)
        .await
        .or_else(|error| Response::error(format!("{error:?}"), 500))
}

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
