//! Each user's guard: what attempts earned, kept apart from any factor so that no change of
//! secret resets it.

use serde::Deserialize;

use crate::error::Result;
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
}

/// The user's guard; a clean one if the user never made an attempt or enrolled.
pub fn guard(sql: &impl Sql, user_id: &str) -> Result<Guard> {
    let query = stmt!(
        "SELECT failures, locked_until, last_accepted_at, enrollments, recovery_used_at, \
           reenrollment_required, device_failures, device_window_start \
         FROM guards WHERE user_id = ?1",
        user_id
    );
    Ok(sql
        .row::<GuardRow>(&query)?
        .map(|row| Guard {
            failures: row.failures,
            locked_until: row.locked_until,
            last_accepted_at: row.last_accepted_at,
            enrollments: row.enrollments,
            recovery_used_at: row.recovery_used_at,
            reenrollment_required: row.reenrollment_required != 0,
            device_failures: row.device_failures,
            device_window_start: row.device_window_start,
        })
        .unwrap_or_default())
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
