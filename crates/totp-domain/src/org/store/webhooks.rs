//! Webhook endpoints, their messages (the outbox while not queued) and delivery attempts.

use serde::Deserialize;

use crate::error::Result;
use crate::keys::sealed_key_id;
use crate::sql::{Count, Sql, Statement, blob, unblob};
use crate::stmt;

/// An endpoint as stored.
#[derive(Clone, Debug, Deserialize)]
pub struct EndpointRow {
    /// Identifier.
    pub id: String,
    /// Where events are sent.
    pub url: String,
    /// Comma-separated event type names.
    pub event_types: String,
    /// 1 when events are sent.
    pub enabled: u64,
    /// The signing secret, sealed (base64).
    pub sealed_secret: String,
    /// The secret before the last rotation, sealed, while it still signs.
    pub sealed_previous_secret: Option<String>,
    /// Unix seconds until which the previous secret signs.
    pub previous_until: Option<u64>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub updated_at: u64,
}

impl EndpointRow {
    /// The sealed secret's bytes.
    pub fn sealed(&self) -> Result<Vec<u8>> {
        unblob(&self.sealed_secret)
    }
}

const ENDPOINT_COLUMNS: &str = "id, url, event_types, enabled, sealed_secret, \
    sealed_previous_secret, previous_until, created_at, updated_at";

/// Writes an endpoint, creating it or replacing it.
pub fn save_endpoint(e: &EndpointRow) -> Result<Statement> {
    let key_id = sealed_key_id(&e.sealed()?).unwrap_or_default().to_owned();
    Ok(stmt!(
        format!(
            "INSERT OR REPLACE INTO webhook_endpoints ({ENDPOINT_COLUMNS}, key_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
        &e.id,
        &e.url,
        &e.event_types,
        e.enabled,
        &e.sealed_secret,
        e.sealed_previous_secret.as_deref(),
        e.previous_until,
        e.created_at,
        e.updated_at,
        key_id
    ))
}

/// The organization's endpoints, oldest first.
pub fn endpoints(sql: &impl Sql) -> Result<Vec<EndpointRow>> {
    sql.rows(&stmt!(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, rowid"
    )))
}

/// One endpoint.
pub fn endpoint(sql: &impl Sql, id: &str) -> Result<Option<EndpointRow>> {
    sql.row(&stmt!(
        format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?1"),
        id
    ))
}

/// Up to `limit` endpoints whose secrets were sealed under another key than `key_id`.
pub fn endpoints_sealed_under_other_keys(
    sql: &impl Sql,
    key_id: &str,
    limit: u32,
) -> Result<Vec<EndpointRow>> {
    sql.rows(&stmt!(
        format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE key_id != ?1 LIMIT ?2"),
        key_id,
        limit
    ))
}

/// Deletes an endpoint with its messages and attempts.
pub fn delete_endpoint(id: &str) -> Vec<Statement> {
    vec![
        stmt!("DELETE FROM webhook_endpoints WHERE id = ?1", id),
        stmt!("DELETE FROM webhook_messages WHERE endpoint_id = ?1", id),
        stmt!("DELETE FROM webhook_attempts WHERE endpoint_id = ?1", id),
    ]
}

/// One message for each enabled endpoint subscribed to `event_type`: `payload`, as message
/// `event_id` joined to the endpoint's id. Written in the transaction of the change it reports.
pub fn fan_out(event_id: &str, event_type: &str, payload: &str, now: u64) -> Statement {
    stmt!(
        "INSERT INTO webhook_messages (id, endpoint_id, event_type, payload, created_at) \
         SELECT ?1 || '_' || id, id, ?2, ?3, ?4 FROM webhook_endpoints \
         WHERE enabled = 1 AND instr(',' || event_types || ',', ',' || ?2 || ',') > 0",
        event_id,
        event_type,
        payload,
        now
    )
}

/// A message waiting to be handed to the queue.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Queued {
    /// The message's id (`webhook-id`).
    pub id: String,
    /// Its endpoint.
    pub endpoint_id: String,
    /// The round it is sent in.
    pub round: u32,
}

/// Up to `limit` messages of the outbox, oldest first.
pub fn outbox(sql: &impl Sql, limit: u32) -> Result<Vec<Queued>> {
    sql.rows(&stmt!(
        "SELECT id, endpoint_id, round FROM webhook_messages WHERE queued = 0 \
         ORDER BY created_at LIMIT ?1",
        limit
    ))
}

/// Whether the outbox holds a message.
pub fn outbox_pending(sql: &impl Sql) -> Result<bool> {
    Ok(sql
        .row::<Count>(&stmt!(
            "SELECT count(*) AS count FROM (SELECT 1 FROM webhook_messages WHERE queued = 0 LIMIT 1)"
        ))?
        .is_some_and(|row| row.count > 0))
}

/// Marks a message as handed to the queue in its round.
pub fn mark_queued(id: &str, round: u32) -> Statement {
    stmt!(
        "UPDATE webhook_messages SET queued = 1 WHERE id = ?1 AND round = ?2",
        id,
        round
    )
}

/// A message as kept.
#[derive(Clone, Debug, Deserialize)]
pub struct MessageRow {
    /// Its id (`webhook-id`).
    pub id: String,
    /// Its endpoint.
    pub endpoint_id: String,
    /// The event type.
    pub event_type: String,
    /// The JSON body.
    pub payload: String,
    /// Unix seconds.
    pub created_at: u64,
    /// The current round.
    pub round: u32,
}

/// One kept message.
pub fn message(sql: &impl Sql, id: &str) -> Result<Option<MessageRow>> {
    sql.row(&stmt!(
        "SELECT id, endpoint_id, event_type, payload, created_at, round \
         FROM webhook_messages WHERE id = ?1",
        id
    ))
}

/// Puts a kept message back in the outbox, in a new round.
pub fn requeue(id: &str) -> Statement {
    stmt!(
        "UPDATE webhook_messages SET queued = 0, round = round + 1 WHERE id = ?1",
        id
    )
}

/// Attempts made so far of a message's round.
pub fn attempts_made(sql: &impl Sql, message_id: &str, round: u32) -> Result<u32> {
    Ok(sql
        .row::<Count>(&stmt!(
            "SELECT count(*) AS count FROM webhook_attempts WHERE message_id = ?1 AND round = ?2",
            message_id,
            round
        ))?
        .map_or(0, |row| row.count as u32))
}

/// A delivery attempt as kept: never the body.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookDeliveryAttempt))]
pub struct Attempt {
    /// The message's `webhook-id`, the same in every attempt and round.
    pub message_id: String,
    /// The event type.
    pub event_type: String,
    /// 1 for the first sending, then one more per manual retry.
    pub round: u32,
    /// The attempt in its round, from 1.
    pub attempt: u32,
    /// Unix seconds when it was sent.
    pub at: u64,
    /// The receiver's HTTP status; null when none answered.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub status: Option<u16>,
    /// Why no status came (`timeout`, `connection failed`); null when one did.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub error: Option<String>,
    /// Milliseconds until the answer or the failure.
    pub latency_ms: u64,
    /// `delivered` (a 2xx), `retrying`, or `dead_lettered` (the last attempt failed: the
    /// message went to the dead-letter queue).
    pub outcome: String,
}

/// Records an attempt of endpoint `endpoint_id`.
pub fn insert_attempt(endpoint_id: &str, a: &Attempt) -> Statement {
    stmt!(
        "INSERT INTO webhook_attempts (message_id, endpoint_id, event_type, round, attempt, at, \
           status, error, latency_ms, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &a.message_id,
        endpoint_id,
        &a.event_type,
        a.round,
        a.attempt,
        a.at,
        a.status.map(u32::from),
        a.error.as_deref(),
        a.latency_ms,
        &a.outcome
    )
}

/// The endpoint's newest attempts, newest first.
pub fn attempts(sql: &impl Sql, endpoint_id: &str, limit: u32) -> Result<Vec<Attempt>> {
    sql.rows(&stmt!(
        "SELECT message_id, event_type, round, attempt, at, status, error, latency_ms, outcome \
         FROM webhook_attempts WHERE endpoint_id = ?1 ORDER BY id DESC LIMIT ?2",
        endpoint_id,
        limit
    ))
}

/// Forgets messages and attempts from before `before`.
pub fn forget_deliveries_before(before: u64) -> Vec<Statement> {
    vec![
        stmt!(
            "DELETE FROM webhook_messages WHERE created_at < ?1 AND queued = 1",
            before
        ),
        stmt!("DELETE FROM webhook_attempts WHERE at < ?1", before),
    ]
}

/// When the oldest kept message was written, if any is.
pub fn oldest_delivery(sql: &impl Sql) -> Result<Option<u64>> {
    #[derive(Deserialize)]
    struct Oldest {
        at: Option<u64>,
    }
    Ok(sql
        .row::<Oldest>(&stmt!(
            "SELECT min(at) AS at FROM (SELECT min(created_at) AS at FROM webhook_messages \
             UNION ALL SELECT min(at) FROM webhook_attempts)"
        ))?
        .and_then(|row| row.at))
}

/// A sealed value as stored (base64 text).
pub fn sealed_text(sealed: &[u8]) -> String {
    match blob(sealed) {
        crate::sql::Value::Text(text) => text,
        crate::sql::Value::Null | crate::sql::Value::Integer(_) => String::new(),
    }
}
