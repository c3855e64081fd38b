//! Loading and saving an organization's records: rows to records and records to statements.
//! Mechanical on purpose; the rules are in [`crate::factor`] and the services.

use otp_core::{Algorithm, Digits};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::factor::{Enrollment, Factor, FactorStatus};
use crate::keys::sealed_key_id;
use crate::model::{AuditEvent, Connection, Method, PageRequest, Profile};
use crate::sql::{Count, Sql, Statement, blob, unblob};
use crate::stmt;

/// A user as stored: every personal field sealed in `profile` (see [`ProfileRecord`]), the email
/// present only as its keyed hash `email_key`. `profile` is null only in rows written before
/// schema version 4, until the object seals them (`legacy_profiles`).
#[derive(Deserialize)]
pub struct StoredUser {
    /// The user's id.
    pub id: String,
    /// The sealed [`ProfileRecord`], as base64.
    pub profile: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
}

/// The form a profile is sealed in.
#[derive(Serialize, Deserialize)]
pub struct ProfileRecord {
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    phone_number: Option<String>,
}

impl From<&Profile> for ProfileRecord {
    fn from(p: &Profile) -> Self {
        Self {
            email: p.email.clone(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            phone_number: p.phone_number.clone(),
        }
    }
}

impl From<ProfileRecord> for Profile {
    fn from(r: ProfileRecord) -> Self {
        Self {
            email: r.email,
            given_name: r.given_name,
            family_name: r.family_name,
            phone_number: r.phone_number,
        }
    }
}

const USER_COLUMNS: &str = "id, profile, created_at";

/// The user with this id, or else this email (by its keyed hash).
pub fn user(sql: &impl Sql, id: &str, email_key: &[u8]) -> Result<Option<StoredUser>> {
    let query = stmt!(
        format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = ?1 OR email_key = ?2 \
             ORDER BY id = ?1 DESC LIMIT 1"
        ),
        id,
        blob(email_key)
    );
    sql.row(&query)
}

/// Whether an email (by its keyed hash) is taken.
pub fn email_taken(sql: &impl Sql, email_key: &[u8]) -> Result<bool> {
    let query = stmt!(
        "SELECT count(*) AS count FROM users WHERE email_key = ?1",
        blob(email_key)
    );
    Ok(sql.row::<Count>(&query)?.is_some_and(|row| row.count > 0))
}

/// A page of users, oldest first, and their total.
pub fn users(sql: &impl Sql, page: PageRequest) -> Result<(Vec<StoredUser>, u64)> {
    let query = stmt!(
        format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id LIMIT ?1 OFFSET ?2"),
        page.per_page,
        page.offset()
    );
    let rows = sql.rows(&query)?;
    let total = count(sql, "SELECT count(*) AS count FROM users")?;
    Ok((rows, total))
}

/// Inserts a user whose profile is sealed as `profile`.
pub fn insert_user(id: &str, profile: &[u8], email_key: &[u8], created_at: u64) -> Statement {
    stmt!(
        "INSERT INTO users (id, email, email_key, profile, profile_key_id, created_at) \
         VALUES (?1, '', ?2, ?3, ?4, ?5)",
        id,
        blob(email_key),
        blob(profile),
        sealed_key_id(profile).unwrap_or_default(),
        created_at
    )
}

/// Writes a user's sealed profile and email hash in place; the clear columns of schema
/// version 1 are emptied.
pub fn update_user(id: &str, profile: &[u8], email_key: &[u8]) -> Statement {
    stmt!(
        "UPDATE users SET profile = ?2, profile_key_id = ?3, email_key = ?4, email = '', \
         given_name = NULL, family_name = NULL, phone_number = NULL WHERE id = ?1",
        id,
        blob(profile),
        sealed_key_id(profile).unwrap_or_default(),
        blob(email_key)
    )
}

/// Deletes a user's row (its factor goes with [`delete_factor`]).
pub fn delete_user(id: &str) -> Statement {
    stmt!("DELETE FROM users WHERE id = ?1", id)
}

/// Up to `limit` users whose profile is sealed under another key than `key_id`.
pub fn users_sealed_under_other_keys(
    sql: &impl Sql,
    key_id: &str,
    limit: u32,
) -> Result<Vec<StoredUser>> {
    let query = stmt!(
        format!(
            "SELECT {USER_COLUMNS} FROM users WHERE profile_key_id != ?1 AND profile IS NOT NULL \
             LIMIT ?2"
        ),
        key_id,
        limit
    );
    sql.rows(&query)
}

/// A row written before schema version 4, with its personal fields in clear.
#[derive(Deserialize)]
pub struct LegacyUser {
    /// The user's id.
    pub id: String,
    /// The clear fields.
    #[serde(flatten)]
    pub record: ProfileRecord,
}

/// The rows whose profile is not sealed yet.
pub fn legacy_profiles(sql: &impl Sql) -> Result<Vec<LegacyUser>> {
    let query = stmt!(
        "SELECT id, email, given_name, family_name, phone_number FROM users WHERE profile IS NULL"
    );
    sql.rows(&query)
}

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
    updated_at: u64,
}

fn corrupt(what: &str) -> Error {
    Error::internal(format!("unknown {what} in storage"))
}

fn method(name: &str) -> Result<Method> {
    Method::parse(name).ok_or_else(|| corrupt("method"))
}

fn algorithm(name: &str) -> Result<Algorithm> {
    name.parse().map_err(|_| corrupt("algorithm"))
}

fn digits(count: u32) -> Result<Digits> {
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
         (id, active, method, algorithm, digits, period, skew, issuer, max_attempts, updated_at) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        c.active,
        c.method.as_str(),
        c.algorithm.as_str(),
        c.digits.count() as u32,
        c.period,
        u32::from(c.skew),
        &c.issuer,
        c.max_attempts,
        c.updated_at
    )
}

#[derive(Deserialize)]
struct FactorRow {
    user_id: String,
    generation: u32,
    status: String,
    method: String,
    sealed_secret: String,
    algorithm: String,
    digits: u32,
    period: u64,
    last_step: Option<u64>,
    failures: u32,
    locked_until: u64,
    enrollments: u32,
    recovery_used_at: Option<u64>,
    reenrollment_required: u64,
    pending_method: Option<String>,
    pending_sealed_secret: Option<String>,
    pending_algorithm: Option<String>,
    pending_digits: Option<u32>,
    pending_period: Option<u64>,
}

impl TryFrom<FactorRow> for Factor {
    type Error = Error;
    fn try_from(row: FactorRow) -> Result<Self> {
        let pending = match (
            row.pending_method,
            row.pending_sealed_secret,
            row.pending_algorithm,
            row.pending_digits,
            row.pending_period,
        ) {
            (Some(m), Some(sealed), Some(a), Some(d), Some(period)) => Some(Enrollment {
                method: method(&m)?,
                sealed_secret: unblob(&sealed)?,
                algorithm: algorithm(&a)?,
                digits: digits(d)?,
                period,
            }),
            (None, None, None, None, None) => None,
            _ => return Err(corrupt("pending enrollment")),
        };
        Ok(Self {
            user_id: row.user_id,
            generation: row.generation,
            status: FactorStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            enrollment: Enrollment {
                method: method(&row.method)?,
                sealed_secret: unblob(&row.sealed_secret)?,
                algorithm: algorithm(&row.algorithm)?,
                digits: digits(row.digits)?,
                period: row.period,
            },
            pending,
            last_step: row.last_step,
            failures: row.failures,
            locked_until: row.locked_until,
            enrollments: row.enrollments,
            recovery_used_at: row.recovery_used_at,
            reenrollment_required: row.reenrollment_required != 0,
        })
    }
}

const FACTOR_COLUMNS: &str = "user_id, generation, status, method, sealed_secret, algorithm, \
    digits, period, last_step, failures, locked_until, enrollments, recovery_used_at, \
    reenrollment_required, pending_method, pending_sealed_secret, pending_algorithm, \
    pending_digits, pending_period";

/// The user's factor.
pub fn factor(sql: &impl Sql, user_id: &str) -> Result<Option<Factor>> {
    let query = stmt!(
        format!("SELECT {FACTOR_COLUMNS} FROM factors WHERE user_id = ?1"),
        user_id
    );
    sql.row::<FactorRow>(&query)?
        .map(Factor::try_from)
        .transpose()
}

/// Writes a factor, creating it or updating it in place.
pub fn save_factor(f: &Factor) -> Statement {
    let e = &f.enrollment;
    let p = f.pending.as_ref();
    stmt!(
        format!(
            "INSERT INTO factors ({FACTOR_COLUMNS}, key_id, pending_key_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
               ?17, ?18, ?19, ?20, ?21) \
             ON CONFLICT (user_id) DO UPDATE SET generation = ?2, status = ?3, method = ?4, \
               sealed_secret = ?5, algorithm = ?6, digits = ?7, period = ?8, last_step = ?9, \
               failures = ?10, locked_until = ?11, enrollments = ?12, recovery_used_at = ?13, \
               reenrollment_required = ?14, pending_method = ?15, \
               pending_sealed_secret = ?16, pending_algorithm = ?17, pending_digits = ?18, \
               pending_period = ?19, key_id = ?20, pending_key_id = ?21"
        ),
        &f.user_id,
        f.generation,
        f.status.as_str(),
        e.method.as_str(),
        blob(&e.sealed_secret),
        e.algorithm.as_str(),
        e.digits.count() as u32,
        e.period,
        f.last_step,
        f.failures,
        f.locked_until,
        f.enrollments,
        f.recovery_used_at,
        f.reenrollment_required,
        p.map(|p| p.method.as_str()),
        p.map(|p| blob(&p.sealed_secret)),
        p.map(|p| p.algorithm.as_str()),
        p.map(|p| p.digits.count() as u32),
        p.map(|p| p.period),
        sealed_key_id(&e.sealed_secret).unwrap_or_default(),
        p.map(|p| sealed_key_id(&p.sealed_secret).unwrap_or_default())
    )
}

/// Up to `limit` factors with a secret (active or pending) sealed under another key than
/// `key_id`.
pub fn factors_sealed_under_other_keys(
    sql: &impl Sql,
    key_id: &str,
    limit: u32,
) -> Result<Vec<Factor>> {
    let query = stmt!(
        format!(
            "SELECT {FACTOR_COLUMNS} FROM factors WHERE key_id != ?1 OR pending_key_id != ?1 \
             LIMIT ?2"
        ),
        key_id,
        limit
    );
    let rows: Vec<FactorRow> = sql.rows(&query)?;
    rows.into_iter().map(Factor::try_from).collect()
}

/// Whether the user has an unused recovery code with this hash.
pub fn recovery_code_unused(sql: &impl Sql, user_id: &str, hash: &[u8]) -> Result<bool> {
    let query = stmt!(
        "SELECT count(*) AS count FROM recovery_codes \
         WHERE hash = ?1 AND user_id = ?2 AND used_at IS NULL",
        blob(hash),
        user_id
    );
    Ok(sql.row::<Count>(&query)?.is_some_and(|row| row.count > 0))
}

/// Marks a recovery code as used.
pub fn spend_recovery_code(user_id: &str, hash: &[u8], now: u64) -> Statement {
    stmt!(
        "UPDATE recovery_codes SET used_at = ?3 WHERE hash = ?1 AND user_id = ?2",
        blob(hash),
        user_id,
        now
    )
}

/// Deletes the user's factor with its recovery codes and challenges.
pub fn delete_factor(user_id: &str) -> Vec<Statement> {
    ["factors", "recovery_codes", "challenges"]
        .into_iter()
        .map(|table| stmt!(format!("DELETE FROM {table} WHERE user_id = ?1"), user_id))
        .collect()
}

/// Replaces all of the user's recovery codes with these hashes.
pub fn replace_recovery_codes(user_id: &str, hashes: &[[u8; 32]]) -> Vec<Statement> {
    let mut writes = vec![stmt!(
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        user_id
    )];
    writes.extend(hashes.iter().map(|hash| {
        stmt!(
            "INSERT INTO recovery_codes (hash, user_id) VALUES (?1, ?2)",
            blob(hash),
            user_id
        )
    }));
    writes
}

/// The user's unused recovery codes.
pub fn recovery_codes_left(sql: &impl Sql, user_id: &str) -> Result<u32> {
    let query = stmt!(
        "SELECT count(*) AS count FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
        user_id
    );
    Ok(sql.row::<Count>(&query)?.map_or(0, |row| row.count as u32))
}

/// What a challenge row is for: answering a challenge, or proving an SMS enrollment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `POST totp-challenge`.
    Challenge,
    /// The code an SMS enrollment sends.
    Enrollment,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Challenge => "challenge",
            Self::Enrollment => "enrollment",
        }
    }
}

/// A challenge to record: the user's open one for its purpose from now on.
pub struct NewChallenge<'a> {
    /// Its id.
    pub id: &'a str,
    /// The user's id.
    pub user_id: &'a str,
    /// What it is for.
    pub purpose: Purpose,
    /// Unix seconds.
    pub created_at: u64,
    /// The last second its code is accepted.
    pub expires_at: u64,
    /// The keyed hash of its SMS code; `None` for an app's challenge.
    pub code_hash: Option<[u8; 32]>,
}

/// Records a challenge, superseding the user's earlier ones of the same purpose.
pub fn open_challenge(c: &NewChallenge<'_>) -> Vec<Statement> {
    vec![
        close_challenges(c.user_id, c.purpose),
        stmt!(
            "INSERT INTO challenges (id, user_id, purpose, created_at, expires_at, code_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            c.id,
            c.user_id,
            c.purpose.as_str(),
            c.created_at,
            c.expires_at,
            c.code_hash.as_ref().map(|hash| blob(hash))
        ),
    ]
}

/// Closes the user's challenges of this purpose: their codes stop working.
pub fn close_challenges(user_id: &str, purpose: Purpose) -> Statement {
    stmt!(
        "DELETE FROM challenges WHERE user_id = ?1 AND purpose = ?2",
        user_id,
        purpose.as_str()
    )
}

/// The open challenge of the user for this purpose whose SMS code is still accepted at `now`.
pub struct OpenCode {
    /// The challenge's id.
    pub id: String,
    /// The keyed hash of its code.
    pub code_hash: Vec<u8>,
}

#[derive(Deserialize)]
struct OpenCodeRow {
    id: String,
    code_hash: String,
}

/// The user's open SMS code for this purpose, unless it has expired at `now`.
pub fn open_code(
    sql: &impl Sql,
    user_id: &str,
    purpose: Purpose,
    now: u64,
) -> Result<Option<OpenCode>> {
    let query = stmt!(
        "SELECT id, code_hash FROM challenges \
         WHERE user_id = ?1 AND purpose = ?2 AND expires_at >= ?3 AND code_hash IS NOT NULL",
        user_id,
        purpose.as_str(),
        now
    );
    sql.row::<OpenCodeRow>(&query)?
        .map(|row| {
            Ok(OpenCode {
                id: row.id,
                code_hash: unblob(&row.code_hash)?,
            })
        })
        .transpose()
}

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

/// Forgets the answers kept before `before`.
pub fn forget_answers_before(before: u64) -> Statement {
    stmt!("DELETE FROM idempotency WHERE created_at < ?1", before)
}

/// Forgets the answers that concern a user.
pub fn forget_answers_about(user_id: &str) -> Statement {
    stmt!("DELETE FROM idempotency WHERE subject = ?1", user_id)
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

fn count(sql: &impl Sql, query: &'static str) -> Result<u64> {
    Ok(sql
        .row::<Count>(&Statement::new(query, vec![]))?
        .map_or(0, |row| row.count))
}
