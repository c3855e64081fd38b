//! A user's security state and its rules, each a pure state change (no store, no clock): count
//! a failure and apply the lockout, accept a time step once (across all of the user's
//! factors), count enrollments, spend the daily recovery allowance, limit trusted-device
//! verifications. It belongs to the user, not to a secret: enrolling, importing, replacing or
//! removing a factor never resets it, so no side path steps around a lockout or replays a
//! code. Only a forced enrollment (a human verified the user) clears failures and lockout.

use crate::lockout::LockoutPolicy;

/// Enrollments allowed without `force_enroll`: the first one and five re-enrollments.
pub const MAX_ENROLLMENTS: u32 = 6;

/// At most one recovery code per this many seconds.
pub const RECOVERY_INTERVAL: u64 = 24 * 60 * 60;

/// Failed trusted-device verifications allowed per [`DEVICE_WINDOW`] and user.
pub const MAX_DEVICE_FAILURES: u32 = 10;

/// The window of [`MAX_DEVICE_FAILURES`], in seconds.
pub const DEVICE_WINDOW: u64 = 10 * 60;

/// What a user's attempts have earned, whatever secret they were made against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    /// Consecutive failed attempts; cleared by a success or a forced enrollment only.
    pub failures: u32,
    /// Unix seconds before which attempts are refused.
    pub locked_until: u64,
    /// The Unix second at which the newest accepted time step began. A code is accepted only
    /// for a step that began later, whichever secret or period it comes from, so no (secret,
    /// step) is ever accepted twice, not even after the same secret is imported again.
    pub last_accepted_at: Option<u64>,
    /// Enrollments since the last forced one.
    pub enrollments: u32,
    /// Unix seconds of the last recovery-code use.
    pub recovery_used_at: Option<u64>,
    /// A recovery code was used since a new secret was last proven: the user should enroll
    /// again.
    pub reenrollment_required: bool,
    /// Failed trusted-device verifications in the window that began at
    /// `device_window_start`; apart from `failures`, so a stale device token never locks the
    /// user out of their codes.
    pub device_failures: u32,
    /// Unix seconds when the current device-verification window began.
    pub device_window_start: u64,
}

/// Failures and lockout at one moment.
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
    /// Too many consecutive failures: only a forced enrollment unlocks the user.
    ForGood,
}

/// The user has used up the enrollments allowed without `force`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnrollmentLimit;

impl Guard {
    /// Counts an enrollment. Without `force` at most [`MAX_ENROLLMENTS`] since the last forced
    /// one; `force` starts the count again and clears failures and lockout. The last accepted
    /// step and the recovery allowance stay either way.
    pub fn enroll(&mut self, force: bool) -> Result<(), EnrollmentLimit> {
        if force {
            self.enrollments = 1;
            self.reenrollment_required = false;
            self.succeed();
            return Ok(());
        }
        if self.enrollments >= MAX_ENROLLMENTS {
            return Err(EnrollmentLimit);
        }
        self.enrollments += 1;
        Ok(())
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

    /// Accepts a verified time `step` of `period` seconds if it began after the last accepted
    /// one, and clears failures.
    pub fn accept_step(&mut self, step: u64, period: u64) -> bool {
        let began = step.saturating_mul(period);
        if self.last_accepted_at.is_some_and(|last| began <= last) {
            return false;
        }
        self.last_accepted_at = Some(began);
        self.succeed();
        true
    }

    /// An SMS code was spent (each is its own, used once, so there is no step to compare):
    /// clears failures.
    pub fn accept_code(&mut self) {
        self.succeed();
    }

    /// Failures and lockout as they stand, to restore after an attempt that proved a pending
    /// secret: they were earned on this user, and only a success of the active secret or a
    /// forced enrollment clears them.
    pub fn standing(&self) -> Standing {
        Standing {
            failures: self.failures,
            locked_until: self.locked_until,
        }
    }

    /// Puts failures and lockout back to `before`.
    pub fn restore(&mut self, before: Standing) {
        self.failures = before.failures;
        self.locked_until = before.locked_until;
    }

    /// Whether a recovery code may be spent now: at most one per [`RECOVERY_INTERVAL`].
    pub fn recovery_allowed(&self, now: u64) -> bool {
        self.recovery_used_at
            .is_none_or(|used| used.saturating_add(RECOVERY_INTERVAL) <= now)
    }

    /// Spends the recovery allowance (the caller spends the code itself in the same
    /// transaction) and clears failures. `false` if not allowed now.
    pub fn use_recovery(&mut self, now: u64) -> bool {
        if !self.recovery_allowed(now) {
            return false;
        }
        self.recovery_used_at = Some(now);
        self.reenrollment_required = true;
        self.succeed();
        true
    }

    /// A new secret was proven or imported: the re-enrollment a recovery code asked for is
    /// done.
    pub fn reenrolled(&mut self) {
        self.reenrollment_required = false;
    }

    /// Whether a trusted-device verification may be made at `now`: `Err` with the Unix second
    /// the window ends after [`MAX_DEVICE_FAILURES`] failures in it.
    pub fn check_device_verification(&mut self, now: u64) -> Result<(), u64> {
        let ends = self.device_window_start.saturating_add(DEVICE_WINDOW);
        if now >= ends {
            self.device_window_start = now;
            self.device_failures = 0;
        } else if self.device_failures >= MAX_DEVICE_FAILURES {
            return Err(ends);
        }
        Ok(())
    }

    /// Counts a failed trusted-device verification (after [`Self::check_device_verification`]).
    pub fn fail_device_verification(&mut self) {
        self.device_failures = self.device_failures.saturating_add(1);
    }

    fn succeed(&mut self) {
        self.failures = 0;
        self.locked_until = 0;
    }
}

#[cfg(test)]
mod tests;
