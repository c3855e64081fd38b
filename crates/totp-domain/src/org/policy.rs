//! The organization's MFA policy as it applies to one user: whether a factor is required, and
//! by when. The grace period runs from when the policy became required or the user was
//! created, whichever is later; past it, a user without a validated factor is refused at a
//! challenge or validation (`enrollment_required`) and can only enroll.

use crate::error::Result;
use crate::model::{Connection, Enforcement, Mfa};
use crate::sql::Sql;

use super::{OrgService, store};

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

impl<S: Sql> OrgService<'_, S> {
    /// The MFA of a user created at `created_at`, under `connection`.
    pub(super) fn mfa(
        &self,
        connection: &Connection,
        user_id: &str,
        created_at: u64,
    ) -> Result<Mfa> {
        let active_factors = store::active_factor_count(self.sql, user_id)?;
        Ok(Mfa {
            enrolled: active_factors > 0,
            required: connection.enforcement == Enforcement::Required,
            enroll_by: enroll_by(connection, created_at),
            active_factors,
        })
    }
}
