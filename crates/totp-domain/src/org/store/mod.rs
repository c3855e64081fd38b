//! Loading and saving an organization's records: rows to records and records to statements.
//! Mechanical on purpose; the rules are in [`crate::factor`] and the services. One file per
//! kind of record; the connection and the audit trail, small, are here.

mod answers;
mod challenges;
mod devices;
mod factors;
mod guards;
mod users;
mod webhooks;

pub use answers::*;
pub use challenges::*;
pub use devices::*;
pub use factors::*;
pub use guards::*;
pub use users::*;
pub use webhooks::*;

use otp_core::{Algorithm, Digits};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{AuditEvent, Connection, Enforcement, Method, Organization, PageRequest};
use crate::sql::{Count, Sql, Statement};
use crate::stmt;

#[derive(Deserialize)]
struct ConnectionRow {
    active: u64,
    method: String,
    algorithm: String,
    digits: u32,
    period: u64,
    skew: u8,
    issuer: String,
    max_attempts: u32,
    enforcement: String,
    enrollment_grace_days: u32,
    required_since: Option<u64>,
    trusted_device_days: u32,
    audit_retention_days: u32,
    updated_at: u64,
}

pub(super) fn corrupt(what: &str) -> Error {
    Error::internal(format!("unknown {what} in storage"))
}

pub(super) fn method(name: &str) -> Result<Method> {
    Method::parse(name).ok_or_else(|| corrupt("method"))
}

pub(super) fn algorithm(name: &str) -> Result<Algorithm> {
    name.parse().map_err(|_| corrupt("algorithm"))
}

pub(super) fn digits(count: u32) -> Result<Digits> {
    Digits::try_from(count).map_err(|_| corrupt("digits"))
}

impl TryFrom<ConnectionRow> for Connection {
    type Error = Error;
    fn try_from(row: ConnectionRow) -> Result<Self> {
        Ok(Self {
            active: row.active != 0,
            method: method(&row.method)?,
            algorithm: algorithm(&row.algorithm)?,
            digits: digits(row.digits)?,
            period: row.period,
            skew: row.skew,
            issuer: row.issuer,
            max_attempts: row.max_attempts,
            enforcement: Enforcement::parse(&row.enforcement)
                .ok_or_else(|| corrupt("enforcement"))?,
            enrollment_grace_days: row.enrollment_grace_days,
            required_since: row.required_since,
            trusted_device_days: row.trusted_device_days,
            audit_retention_days: row.audit_retention_days,
            updated_at: row.updated_at,
        })
    }
}

/// The organization's TOTP connection.
pub fn connection(sql: &impl Sql) -> Result<Option<Connection>> {
    let query = stmt!("SELECT * FROM connection WHERE id = 1");
    sql.row::<ConnectionRow>(&query)?
        .map(Connection::try_from)
        .transpose()
}

/// Writes the organization's TOTP connection, creating or replacing it.
pub fn save_connection(c: &Connection) -> Statement {
    stmt!(
        "INSERT OR REPLACE INTO connection \
         (id, active, method, algorithm, digits, period, skew, issuer, max_attempts, updated_at, \
           enforcement, enrollment_grace_days, required_since, trusted_device_days, \
           audit_retention_days) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        c.active,
        c.method.as_str(),
        c.algorithm.as_str(),
        c.digits.count() as u32,
        c.period,
        u32::from(c.skew),
        &c.issuer,
        c.max_attempts,
        c.updated_at,
        c.enforcement.as_str(),
        c.enrollment_grace_days,
        c.required_since,
        c.trusted_device_days,
        c.audit_retention_days
    )
}

/// Records the organization's directory entry, for the work an alarm does without a call.
pub fn save_directory_entry(organization: &Organization) -> Result<Statement> {
    let entry = serde_json::to_string(organization).map_err(Error::internal)?;
    Ok(stmt!(
        "INSERT OR REPLACE INTO directory_entry (id, entry) VALUES (1, ?1)",
        entry
    ))
}

/// The organization's directory entry, as the last call brought it.
pub fn directory_entry(sql: &impl Sql) -> Result<Option<Organization>> {
    #[derive(Deserialize)]
    struct Row {
        entry: String,
    }
    sql.row::<Row>(&stmt!("SELECT entry FROM directory_entry WHERE id = 1"))?
        .map(|row| serde_json::from_str(&row.entry).map_err(Error::internal))
        .transpose()
}

/// Appends to the audit trail.
pub fn append_audit(event: &AuditEvent) -> Statement {
    stmt!(
        "INSERT INTO audit_events (at, event, user_id, detail) VALUES (?1, ?2, ?3, ?4)",
        event.at,
        &event.event,
        event.user_id.as_deref(),
        event.detail.as_deref()
    )
}

#[derive(Deserialize)]
struct AuditRow {
    at: u64,
    event: String,
    user_id: Option<String>,
    detail: Option<String>,
}

/// A page of the audit trail, newest first, and its total.
pub fn audit_events(sql: &impl Sql, page: PageRequest) -> Result<(Vec<AuditEvent>, u64)> {
    let query = stmt!(
        "SELECT at, event, user_id, detail FROM audit_events ORDER BY id DESC LIMIT ?1 OFFSET ?2",
        page.per_page,
        page.offset()
    );
    let rows: Vec<AuditRow> = sql.rows(&query)?;
    let total = count(sql, "SELECT count(*) AS count FROM audit_events")?;
    let events = rows
        .into_iter()
        .map(|row| AuditEvent {
            at: row.at,
            event: row.event,
            user_id: row.user_id,
            detail: row.detail,
        })
        .collect();
    Ok((events, total))
}

/// Deletes up to `limit` audit events recorded before `before`; whether any older remain.
pub fn forget_audit_before(sql: &impl Sql, before: u64, limit: u32) -> Result<bool> {
    sql.commit(vec![stmt!(
        "DELETE FROM audit_events WHERE id IN \
         (SELECT id FROM audit_events WHERE at < ?1 ORDER BY at LIMIT ?2)",
        before,
        limit
    )])?;
    Ok(sql
        .row::<Count>(&stmt!(
            "SELECT count(*) AS count FROM (SELECT 1 FROM audit_events WHERE at < ?1 LIMIT 1)",
            before
        ))?
        .is_some_and(|row| row.count > 0))
}

/// When the oldest audit event was recorded, if any is.
pub fn oldest_audit_event(sql: &impl Sql) -> Result<Option<u64>> {
    #[derive(Deserialize)]
    struct Oldest {
        at: Option<u64>,
    }
    Ok(sql
        .row::<Oldest>(&stmt!("SELECT min(at) AS at FROM audit_events"))?
        .and_then(|row| row.at))
}

pub(super) fn count(sql: &impl Sql, query: &'static str) -> Result<u64> {
    Ok(sql
        .row::<Count>(&Statement::new(query, vec![]))?
        .map_or(0, |row| row.count))
}
