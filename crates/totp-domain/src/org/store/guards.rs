//! Each user's guard: what attempts earned, kept apart from any factor so that no change of
//! secret resets it.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::guard::Guard;
use crate::sql::{Sql, Statement};
use crate::stmt;

#[derive(Deserialize)]
struct GuardRow {
    failures: u32,
    locked_until: u64,
    last_accepted_at: Option<u64>,
    enrollments: u32,
    recovery_used_at: Option<u64>,
    reenrollment_required: u64,
    device_failures: u32,
    device_window_start: u64,
    /// The user's unused recovery codes, where the read counts them.
    codes_left: Option<u32>,
}

impl From<GuardRow> for Guard {
    fn from(row: GuardRow) -> Self {
        Self {
            failures: row.failures,
            locked_until: row.locked_until,
            last_accepted_at: row.last_accepted_at,
            enrollments: row.enrollments,
            recovery_used_at: row.recovery_used_at,
            reenrollment_required: row.reenrollment_required != 0,
            device_failures: row.device_failures,
            device_window_start: row.device_window_start,
        }
    }
}

const GUARD_COLUMNS: &str = "failures, locked_until, last_accepted_at, enrollments, \
    recovery_used_at, reenrollment_required, device_failures, device_window_start";

/// The user's guard; a clean one if the user never made an attempt or enrolled.
pub fn guard(sql: &impl Sql, user_id: &str) -> Result<Guard> {
    let query = stmt!(
        format!("SELECT {GUARD_COLUMNS} FROM guards WHERE user_id = ?1"),
        user_id
    );
    Ok(sql
        .row::<GuardRow>(&query)?
        .map_or_else(Guard::default, Guard::from))
}

/// The user's guard and unused recovery codes, in one read: what an attempt starts from.
pub fn guard_and_codes_left(sql: &impl Sql, user_id: &str) -> Result<(Guard, u32)> {
    let query = stmt!(
        format!(
            "SELECT {GUARD_COLUMNS}, (SELECT count(*) FROM recovery_codes \
               WHERE user_id = ?1 AND used_at IS NULL) AS codes_left \
             FROM guards WHERE user_id = ?1"
        ),
        user_id
    );
    match sql.row::<GuardRow>(&query)? {
        Some(row) => {
            let codes_left = row
                .codes_left
                .ok_or_else(|| Error::internal("the guard's read lacks its codes"))?;
            Ok((row.into(), codes_left))
        }
        // No attempt yet: a clean guard, and the codes counted apart.
        None => Ok((Guard::default(), super::recovery_codes_left(sql, user_id)?)),
    }
}

/// Writes the user's guard, creating it or updating it in place.
pub fn save_guard(user_id: &str, g: &Guard) -> Statement {
    stmt!(
        "INSERT INTO guards (user_id, failures, locked_until, last_accepted_at, enrollments, \
           recovery_used_at, reenrollment_required, device_failures, device_window_start) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (user_id) DO UPDATE SET failures = ?2, locked_until = ?3, \
           last_accepted_at = ?4, enrollments = ?5, recovery_used_at = ?6, \
           reenrollment_required = ?7, device_failures = ?8, device_window_start = ?9",
        user_id,
        g.failures,
        g.locked_until,
        g.last_accepted_at,
        g.enrollments,
        g.recovery_used_at,
        g.reenrollment_required,
        g.device_failures,
        g.device_window_start
    )
}

/// Deletes the user's guard, with the user.
pub fn delete_guard(user_id: &str) -> Statement {
    stmt!("DELETE FROM guards WHERE user_id = ?1", user_id)
}
