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
use crate::{cursor, stmt};

#[derive(Clone, Deserialize)]
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
    // Read by every call, written by few: an engine may keep it (see `Remembering`).
    let query = stmt!("SELECT * FROM connection WHERE id = 1");
    sql.kept_rows::<ConnectionRow>(&query, "connection")?
        .into_iter()
        .next()
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

/// Marks a deleted organization's emptied storage: calls that still find it answer 404.
/// Refused if the storage still holds a table of the organization.
pub fn bury(sql: &impl Sql) -> Result<()> {
    let left = stmt!(
        "SELECT count(*) AS count FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'"
    );
    if sql.row::<Count>(&left)?.is_some_and(|row| row.count > 0) {
        return Err(Error::internal("the storage kept tables after deleteAll"));
    }
    sql.commit(vec![
        stmt!("CREATE TABLE tombstone (id INTEGER PRIMARY KEY CHECK (id = 1)) STRICT"),
        stmt!("INSERT INTO tombstone (id) VALUES (1)"),
    ])
}

/// Whether this storage is a deleted organization's.
pub fn buried(sql: &impl Sql) -> Result<bool> {
    let query = stmt!(
        "SELECT count(*) AS count FROM sqlite_master WHERE type = 'table' AND name = 'tombstone'"
    );
    Ok(sql.row::<Count>(&query)?.is_some_and(|row| row.count > 0))
}

/// When the restore under way began, if one is.
pub fn restore_marker(sql: &impl Sql) -> Result<Option<u64>> {
    #[derive(Deserialize)]
    struct Row {
        started_at: u64,
    }
    let query = stmt!("SELECT started_at FROM restoring WHERE id = 1");
    Ok(sql.row::<Row>(&query)?.map(|row| row.started_at))
}

/// Marks a restore under way.
pub fn mark_restore(now: u64) -> Statement {
    stmt!(
        "INSERT OR REPLACE INTO restoring (id, started_at) VALUES (1, ?1)",
        now
    )
}

/// Ends the restore under way.
pub fn unmark_restore() -> Statement {
    stmt!("DELETE FROM restoring")
}

/// Whether the organization holds users, audit events or webhook endpoints.
pub fn holds_data(sql: &impl Sql) -> Result<bool> {
    let query = stmt!(
        "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM audit_events) \
         OR EXISTS (SELECT 1 FROM webhook_endpoints) AS count"
    );
    Ok(sql.row::<Count>(&query)?.is_some_and(|row| row.count > 0))
}

/// The column names of `table`.
pub fn columns(sql: &impl Sql, table: &str) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Column {
        name: String,
    }
    let query = stmt!("SELECT name FROM pragma_table_info(?1)", table);
    let columns: Vec<Column> = sql.rows(&query)?;
    Ok(columns.into_iter().map(|column| column.name).collect())
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
    id: i64,
    at: u64,
    event: String,
    user_id: Option<String>,
    detail: Option<String>,
}

/// A page of the audit trail, newest first: the events, the cursor after them if more follow,
/// and the total. After a cursor the page is one seek in the table's rowid.
pub fn audit_events(
    sql: &impl Sql,
    page: &PageRequest,
) -> Result<(Vec<AuditEvent>, Option<String>, u64)> {
    const COLUMNS: &str = "id, at, event, user_id, detail";
    let limit = page.per_page + 1;
    let query = match &page.starting_after {
        Some(cursor) => stmt!(
            format!("SELECT {COLUMNS} FROM audit_events WHERE id < ?1 ORDER BY id DESC LIMIT ?2"),
            cursor::parse_audit_event(cursor)?,
            limit
        ),
        None => stmt!(
            format!("SELECT {COLUMNS} FROM audit_events ORDER BY id DESC LIMIT ?1 OFFSET ?2"),
            limit,
            page.offset()
        ),
    };
    let mut rows: Vec<AuditRow> = sql.rows(&query)?;
    let next = cursor::end_page(&mut rows, page.per_page, |row| cursor::audit_event(row.id));
    let events = rows
        .into_iter()
        .map(|row| AuditEvent {
            at: row.at,
            event: row.event,
            user_id: row.user_id,
            detail: row.detail,
        })
        .collect();
    Ok((events, next, counter(sql, "audit_events")?))
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

/// The value of a counter the schema's triggers keep (`users`, `audit_events`).
pub(super) fn counter(sql: &impl Sql, name: &str) -> Result<u64> {
    #[derive(Deserialize)]
    struct Counter {
        value: u64,
    }
    let query = stmt!("SELECT value FROM counters WHERE name = ?1", name);
    Ok(sql.row::<Counter>(&query)?.map_or(0, |row| row.value))
}
