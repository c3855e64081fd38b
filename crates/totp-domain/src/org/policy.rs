//! The organization's MFA policy as it applies to one user: whether a factor is required, and
//! by when. The grace period runs from when the policy became required or the user was
//! created, whichever is later; past it, a user without a validated factor is refused at a
//! challenge or validation (`enrollment_required`) and can only enroll.

use crate::model::{Connection, Enforcement, Mfa};

/// Seconds in a day of grace.
const DAY: u64 = 24 * 60 * 60;

/// When a user created at `created_at` must have a factor under `connection`'s policy.
pub(super) fn enroll_by(connection: &Connection, created_at: u64) -> Option<u64> {
    match connection.enforcement {
        Enforcement::Optional => None,
        Enforcement::Required => {
            let since = connection.required_since.unwrap_or(0).max(created_at);
            let grace = u64::from(connection.enrollment_grace_days) * DAY;
            Some(since.saturating_add(grace))
        }
    }
}

/// The MFA of a user created at `created_at` with `active_factors` validated factors, under
/// `connection`.
pub(super) fn mfa(connection: &Connection, created_at: u64, active_factors: u32) -> Mfa {
    Mfa {
        enrolled: active_factors > 0,
        required: connection.enforcement == Enforcement::Required,
        enroll_by: enroll_by(connection, created_at),
        active_factors,
    }
}
