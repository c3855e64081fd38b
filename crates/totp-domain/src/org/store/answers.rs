//! Answers kept for idempotent retries, sealed.

use serde::Deserialize;

use crate::error::Result;
use crate::sql::{Sql, Statement, blob};
use crate::stmt;

/// An answer kept for an idempotent retry.
#[derive(Deserialize)]
pub struct KeptAnswer {
    /// The digest of the request that produced it.
    pub fingerprint: String,
    /// The sealed answer, as base64.
    pub sealed_answer: String,
}

/// The answer kept under `key` for `route`, if any.
pub fn kept_answer(sql: &impl Sql, key: &str, route: &str) -> Result<Option<KeptAnswer>> {
    let query = stmt!(
        "SELECT fingerprint, sealed_answer FROM idempotency WHERE key = ?1 AND route = ?2",
        key,
        route
    );
    sql.row(&query)
}

/// Keeps an answer under its key and route.
pub fn keep_answer(
    key: &str,
    route: &str,
    fingerprint: &str,
    sealed_answer: &[u8],
    subject: Option<&str>,
    created_at: u64,
) -> Statement {
    stmt!(
        "INSERT INTO idempotency (key, route, fingerprint, sealed_answer, subject, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        key,
        route,
        fingerprint,
        blob(sealed_answer),
        subject,
        created_at
    )
}

#[derive(Deserialize)]
struct Oldest {
    created_at: Option<u64>,
}

/// When the oldest kept answer was kept, if any is.
pub fn oldest_answer(sql: &impl Sql) -> Result<Option<u64>> {
    let oldest: Option<Oldest> = sql.row(&stmt!(
        "SELECT min(created_at) AS created_at FROM idempotency"
    ))?;
    Ok(oldest.and_then(|row| row.created_at))
}

/// Forgets the answers kept before `before`.
pub fn forget_answers_before(before: u64) -> Statement {
    stmt!("DELETE FROM idempotency WHERE created_at < ?1", before)
}

/// Forgets the answers that concern a user.
pub fn forget_answers_about(user_id: &str) -> Statement {
    stmt!("DELETE FROM idempotency WHERE subject = ?1", user_id)
}
