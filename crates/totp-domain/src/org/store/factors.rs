//! Factors (several per user, each with a pending re-enrollment beside its active secret) and
//! recovery codes.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::factor::{Enrollment, Factor, FactorStatus};
use crate::keys::sealed_key_id;
use crate::sql::{Count, Sql, Statement, blob, unblob};
use crate::stmt;

use super::{algorithm, corrupt, digits, method};

#[derive(Deserialize)]
struct FactorRow {
    id: String,
    user_id: String,
    friendly_name: String,
    created_at: u64,
    generation: u32,
    status: String,
    method: String,
    sealed_secret: String,
    algorithm: String,
    digits: u32,
    period: u64,
    pending_method: Option<String>,
    pending_sealed_secret: Option<String>,
    pending_algorithm: Option<String>,
    pending_digits: Option<u32>,
    pending_period: Option<u64>,
    enrolled_at: Option<u64>,
    last_used_at: Option<u64>,
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
            id: row.id,
            user_id: row.user_id,
            friendly_name: row.friendly_name,
            created_at: row.created_at,
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
            enrolled_at: row.enrolled_at,
            last_used_at: row.last_used_at,
        })
    }
}

const FACTOR_COLUMNS: &str = "id, user_id, friendly_name, created_at, generation, status, \
    method, sealed_secret, algorithm, digits, period, pending_method, pending_sealed_secret, \
    pending_algorithm, pending_digits, pending_period, enrolled_at, last_used_at";

/// The user's factors, oldest first: the first is the one an enrollment without `add_factor`
/// renews.
pub fn factors(sql: &impl Sql, user_id: &str) -> Result<Vec<Factor>> {
    let query = stmt!(
        format!(
            "SELECT {FACTOR_COLUMNS} FROM factors WHERE user_id = ?1 \
             ORDER BY created_at, rowid"
        ),
        user_id
    );
    let rows: Vec<FactorRow> = sql.rows(&query)?;
    rows.into_iter().map(Factor::try_from).collect()
}

/// The user's first factor, if any.
pub fn factor(sql: &impl Sql, user_id: &str) -> Result<Option<Factor>> {
    Ok(factors(sql, user_id)?.into_iter().next())
}

/// Writes a factor, creating it or updating it in place.
pub fn save_factor(f: &Factor) -> Statement {
    let e = &f.enrollment;
    let p = f.pending.as_ref();
    stmt!(
        format!(
            "INSERT INTO factors ({FACTOR_COLUMNS}, key_id, pending_key_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
               ?17, ?18, ?19, ?20) \
             ON CONFLICT (id) DO UPDATE SET friendly_name = ?3, generation = ?5, status = ?6, \
               method = ?7, sealed_secret = ?8, algorithm = ?9, digits = ?10, period = ?11, \
               pending_method = ?12, pending_sealed_secret = ?13, pending_algorithm = ?14, \
               pending_digits = ?15, pending_period = ?16, enrolled_at = ?17, \
               last_used_at = ?18, key_id = ?19, pending_key_id = ?20"
        ),
        &f.id,
        &f.user_id,
        &f.friendly_name,
        f.created_at,
        f.generation,
        f.status.as_str(),
        e.method.as_str(),
        blob(&e.sealed_secret),
        e.algorithm.as_str(),
        e.digits.count() as u32,
        e.period,
        p.map(|p| p.method.as_str()),
        p.map(|p| blob(&p.sealed_secret)),
        p.map(|p| p.algorithm.as_str()),
        p.map(|p| p.digits.count() as u32),
        p.map(|p| p.period),
        f.enrolled_at,
        f.last_used_at,
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

/// Deletes one factor of the user.
pub fn delete_factor(user_id: &str, factor_id: &str) -> Statement {
    stmt!(
        "DELETE FROM factors WHERE id = ?1 AND user_id = ?2",
        factor_id,
        user_id
    )
}

/// Deletes the user's factors with their recovery codes and challenges; the user's guard
/// stays.
pub fn delete_factors(user_id: &str) -> Vec<Statement> {
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
