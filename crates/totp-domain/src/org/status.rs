//! A user's MFA as it stands, for an integrator's login to branch on: whether a factor exists
//! and is validated, when it was enrolled and last used, the recovery codes left, and whether
//! attempts are being refused. Never the secret.

use serde::Serialize;

use crate::error::Result;
use crate::factor::FactorStatus;
use crate::lockout::LockoutPolicy;
use crate::model::Method;
use crate::sql::Sql;

use super::{OrgService, store};

/// A user's enrollment, as `GET .../totp-enrollment/{user}` answers it.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentStatus {
    /// The user's id.
    pub user_id: String,
    /// `none` (never enrolled, or the factor was removed), `pending` (waiting for its first
    /// code) or `active`.
    pub status: EnrollmentState,
    /// How codes reach the user; absent without a factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub method: Option<Method>,
    /// Unix seconds when the factor's secret was enrolled or imported (a re-enrollment's once
    /// validated); null without a factor, or for one enrolled before this was recorded.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub created_at: Option<u64>,
    /// Unix seconds when a code of the factor (or a recovery code) was last accepted; null if
    /// never.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<u64>,
    /// A re-enrollment waits beside an active factor for its first code.
    pub reenrollment_pending: bool,
    /// Validated factors (a user may hold up to five).
    pub active_factors: u32,
    /// A recovery code was used since the last enrollment: ask the user to enroll again.
    pub reenrollment_required: bool,
    /// Unused recovery codes.
    pub recovery_codes_remaining: u32,
    /// Consecutive failed attempts.
    pub failed_attempts: u32,
    /// Unix seconds until which attempts are refused (429); null when they are taken.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub locked_until: Option<u64>,
    /// Locked after too many failures: only a forced enrollment unlocks the user (403).
    pub locked: bool,
}

/// Where a user's enrollment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EnrollmentState {
    /// No factor.
    None,
    /// Enrolled, waiting for its first code.
    Pending,
    /// Validated.
    Active,
}

impl<S: Sql> OrgService<'_, S> {
    /// The enrollment of a user given by id or email; 404 for no such user.
    pub fn enrollment_status(&self, user_id: &str) -> Result<EnrollmentStatus> {
        let user = self.user_id(user_id)?;
        let factors = store::factors(self.sql, &user)?;
        let guard = store::guard(self.sql, &user)?;
        let policy = LockoutPolicy::new(self.connection()?.max_attempts);
        let active = || factors.iter().filter(|f| f.status == FactorStatus::Active);
        // The first validated factor speaks for the enrollment, else the first one.
        let factor = active().next().or(factors.first());
        let status = match factor.map(|factor| factor.status) {
            None => EnrollmentState::None,
            Some(FactorStatus::Pending) => EnrollmentState::Pending,
            Some(FactorStatus::Active) => EnrollmentState::Active,
        };
        Ok(EnrollmentStatus {
            status,
            method: factor.map(|factor| factor.enrollment.method),
            created_at: factor.and_then(|factor| factor.enrolled_at),
            last_used_at: factors
                .iter()
                .filter_map(|f| f.last_used_at)
                .chain(guard.recovery_used_at.filter(|_| !factors.is_empty()))
                .max(),
            reenrollment_pending: factors.iter().any(|f| f.pending.is_some()),
            active_factors: active().count() as u32,
            reenrollment_required: !factors.is_empty() && guard.reenrollment_required,
            recovery_codes_remaining: store::recovery_codes_left(self.sql, &user)?,
            failed_attempts: guard.failures,
            locked_until: (guard.locked_until > self.now).then_some(guard.locked_until),
            locked: policy.exhausted(guard.failures),
            user_id: user,
        })
    }
}
