//! A user's TOTP factor and its rules, each a pure state change (no store, no clock): count a
//! failure and apply the lockout, accept a time step once, enroll again within the limit or by
//! force (beside the active secret until the new one is proven), spend the daily recovery
//! allowance. Storage loads a factor, one of these changes it,
//! and storage saves it in the same transaction as the audit event.

use otp_core::{Algorithm, Digits};
use serde::Serialize;

use crate::lockout::LockoutPolicy;
use crate::model::Method;

/// Enrollments allowed without `force_enroll`: the first one and five re-enrollments.
pub const MAX_ENROLLMENTS: u32 = 6;

/// At most one recovery code per this many seconds.
pub const RECOVERY_INTERVAL: u64 = 24 * 60 * 60;

/// The state of a user's TOTP factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorStatus {
    /// Enrolled, waiting for a first valid code.
    Pending,
    /// Validated; challenges may be answered.
    Active,
}

impl FactorStatus {
    /// The name in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
        }
    }

    /// Parses the name in storage.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(Self::Pending),
            "active" => Some(Self::Active),
            _ => None,
        }
    }
}

/// What a new enrollment brings: a sealed secret and the parameters to use it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    /// How codes reach the user.
    pub method: Method,
    /// Sealed secret: key id, nonce and ciphertext.
    pub sealed_secret: Vec<u8>,
    /// HMAC hash function.
    pub algorithm: Algorithm,
    /// Digits.
    pub digits: Digits,
    /// Seconds per step.
    pub period: u64,
}

/// A user's TOTP factor. The secret is sealed (AES-256-GCM) and opened only to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Factor {
    /// The user's id; one factor per user.
    pub user_id: String,
    /// Bumped by each enrollment.
    pub generation: u32,
    /// Pending or active.
    pub status: FactorStatus,
    /// The secret and its parameters.
    pub enrollment: Enrollment,
    /// A re-enrollment of an active factor, waiting for its first code; the active secret
    /// keeps answering challenges until then. Only ever set while the factor is active.
    pub pending: Option<Enrollment>,
    /// The newest accepted time step; codes of this step or older are refused.
    pub last_step: Option<u64>,
    /// Consecutive failed attempts; reset by a success or a forced enrollment only.
    pub failures: u32,
    /// Unix seconds before which attempts are refused.
    pub locked_until: u64,
    /// Enrollments since the last forced one.
    pub enrollments: u32,
    /// Unix seconds of the last recovery-code use.
    pub recovery_used_at: Option<u64>,
    /// A recovery code was used: the user should enroll again.
    pub reenrollment_required: bool,
}

/// A factor's failures and lockout at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Consecutive failed attempts.
    pub failures: u32,
    /// Unix seconds before which attempts are refused.
    pub locked_until: u64,
}

/// Why an attempt is refused before its code is even looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locked {
    /// Backing off: no attempt before this Unix second.
    Until(u64),
    /// Too many consecutive failures: only a forced enrollment unlocks the factor.
    ForGood,
}

/// The user has used up the enrollments allowed without `force`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnrollmentLimit;

impl Factor {
    /// A first enrollment of `user_id`: pending, no failures.
    pub fn new(user_id: &str, enrollment: Enrollment) -> Self {
        Self {
            user_id: user_id.to_owned(),
            generation: 1,
            status: FactorStatus::Pending,
            enrollment,
            pending: None,
            last_step: None,
            failures: 0,
            locked_until: 0,
            enrollments: 1,
            recovery_used_at: None,
            reenrollment_required: false,
        }
    }

    /// Enrolls a new secret. Without `force` (allowed [`MAX_ENROLLMENTS`] times) an active
    /// factor keeps its secret and gets the new one as pending beside it, replaced only when
    /// a first code proves it ([`Factor::promote`]); a factor never validated gets the new secret
    /// in place. Failures, lockout and the last recovery use carry over. `force` (a human
    /// verified the user) replaces the secret at once and resets all of them.
    pub fn reenroll(&mut self, enrollment: Enrollment, force: bool) -> Result<(), EnrollmentLimit> {
        if !force && self.enrollments >= MAX_ENROLLMENTS {
            return Err(EnrollmentLimit);
        }
        self.generation = self.generation.saturating_add(1);
        if force {
            self.replace(enrollment);
            self.enrollments = 1;
            self.failures = 0;
            self.locked_until = 0;
            self.recovery_used_at = None;
            return Ok(());
        }
        self.enrollments += 1;
        match self.status {
            FactorStatus::Active => self.pending = Some(enrollment),
            FactorStatus::Pending => self.replace(enrollment),
        }
        Ok(())
    }

    fn replace(&mut self, enrollment: Enrollment) {
        self.status = FactorStatus::Pending;
        self.enrollment = enrollment;
        self.pending = None;
        self.last_step = None;
        self.reenrollment_required = false;
    }

    /// The secret an enrollment's first code is checked against: the pending one beside an
    /// active factor, else the factor's own.
    pub fn enrolling(&self) -> &Enrollment {
        self.pending.as_ref().unwrap_or(&self.enrollment)
    }

    /// Failures and lockout as they stand, to restore after an attempt that proved a pending
    /// secret.
    pub fn standing(&self) -> Standing {
        Standing {
            failures: self.failures,
            locked_until: self.locked_until,
        }
    }

    /// A pending secret's first code was verified (at `step` for an app): it replaces the
    /// active one, which stops working. Failures and lockout return to where they stood before
    /// this attempt, not to zero: they were earned on this user's factor, and only a success
    /// of the active secret or a forced enrollment clears them. `false` when nothing is pending.
    pub fn promote(&mut self, step: Option<u64>, before: Standing) -> bool {
        let Some(pending) = self.pending.take() else {
            return false;
        };
        self.failures = before.failures;
        self.locked_until = before.locked_until;
        self.enrollment = pending;
        self.last_step = step;
        self.reenrollment_required = false;
        true
    }

    /// Counts an attempt as a failure before its code is checked, applying the lockout; the
    /// failure count so far. A success then clears it.
    pub fn record_attempt(&mut self, now: u64, policy: &LockoutPolicy) -> Result<u32, Locked> {
        if policy.exhausted(self.failures) {
            return Err(Locked::ForGood);
        }
        if self.locked_until > now {
            return Err(Locked::Until(self.locked_until));
        }
        self.failures = self.failures.saturating_add(1);
        if let Some(until) = policy.locked_until(self.failures, now) {
            self.locked_until = until;
        }
        Ok(self.failures)
    }

    /// Accepts a verified time step if it is newer than the last accepted one (a code is
    /// accepted at most once): activates the factor and clears its failures.
    pub fn accept_step(&mut self, step: u64) -> bool {
        if self.last_step.is_some_and(|last| step <= last) {
            return false;
        }
        self.last_step = Some(step);
        self.succeed();
        self.status = FactorStatus::Active;
        true
    }

    /// An SMS code of this factor was spent (each code is its own, used once, so there is no
    /// step to compare): activates the factor and clears its failures.
    pub fn accept_code(&mut self) {
        self.succeed();
        self.status = FactorStatus::Active;
    }

    /// Whether a recovery code may be spent now: at most one per [`RECOVERY_INTERVAL`].
    pub fn recovery_allowed(&self, now: u64) -> bool {
        self.recovery_used_at
            .is_none_or(|used| used.saturating_add(RECOVERY_INTERVAL) <= now)
    }

    /// Spends the recovery allowance (the caller spends the code itself in the same
    /// transaction): clears failures and asks for a re-enrollment. `false` if not allowed now.
    pub fn use_recovery(&mut self, now: u64) -> bool {
        if !self.recovery_allowed(now) {
            return false;
        }
        self.recovery_used_at = Some(now);
        self.reenrollment_required = true;
        self.succeed();
        true
    }

    fn succeed(&mut self) {
        self.failures = 0;
        self.locked_until = 0;
    }
}

#[cfg(test)]
mod tests;
