//! Answers kept for idempotent retries, sealed, per API key.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::idempotency::IdempotentRequest;
use crate::sql::{Sql, Statement, Value, blob};
use crate::stmt;

/// What a kept answer holds, and so which change ends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// A user's profile (a created user): goes when the profile changes.
    Profile,
    /// An enrollment's pending secret (and any recovery codes issued with it): goes when that
    /// secret stops being pending.
    Enrollment,
    /// A challenge (an SMS challenge's code): goes when the challenge closes.
    Challenge,
}

impl AnswerKind {
    /// The name in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Enrollment => "enrollment",
            Self::Challenge => "challenge",
        }
    }
}

/// An answer kept for an idempotent retry.
#[derive(Deserialize)]
pub struct KeptAnswer {
    /// The digest of the request that produced it.
    pub fingerprint: String,
    /// The sealed answer, as base64.
    pub sealed_answer: String,
    /// The user it concerns.
    pub subject: Option<String>,
}

/// The answer kept for this API key under `request`'s key and route, if any.
pub fn kept_answer(sql: &impl Sql, request: &IdempotentRequest) -> Result<Option<KeptAnswer>> {
    let query = stmt!(
        "SELECT fingerprint, sealed_answer, subject FROM idempotency \
         WHERE client_id = ?1 AND key = ?2 AND route = ?3",
        &request.client_id,
        &request.key,
        &request.route
    );
    sql.row(&query)
}

/// Keeps an answer under its API key, key and route.
pub fn keep_answer(
    request: &IdempotentRequest,
    kind: AnswerKind,
    sealed_answer: &[u8],
    subject: Option<&str>,
    created_at: u64,
) -> Statement {
    stmt!(
        "INSERT INTO idempotency \
         (client_id, key, route, kind, fingerprint, sealed_answer, subject, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &request.client_id,
        &request.key,
        &request.route,
        kind.as_str(),
        &request.fingerprint,
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

/// Forgets the answers of these kinds that concern a user.
pub fn forget_answers(user_id: &str, kinds: &[AnswerKind]) -> Statement {
    let marks: Vec<String> = (2..kinds.len() + 2).map(|n| format!("?{n}")).collect();
    let mut values: Vec<Value> = vec![user_id.into()];
    values.extend(kinds.iter().map(|kind| kind.as_str().into()));
    Statement::new(
        format!(
            "DELETE FROM idempotency WHERE subject = ?1 AND kind IN ({})",
            marks.join(", ")
        ),
        values,
    )
}

/// Forgets every answer that concerns a user.
pub fn forget_answers_about(user_id: &str) -> Statement {
    stmt!("DELETE FROM idempotency WHERE subject = ?1", user_id)
}
