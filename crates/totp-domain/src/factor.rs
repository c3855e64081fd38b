//! A user's TOTP factors (up to [`MAX_FACTORS`], each named): the secret each answers with and
//! its rules, each a pure state change (no store, no clock): enroll again (beside the active
//! secret until the new one is proven, or at once by force), promote a proven secret. What
//! attempts earn (failures, lockout, the last accepted step, the recovery allowance, the
//! enrollment count) is the user's [`Guard`](crate::guard::Guard), which outlives any secret.

use otp_core::{Algorithm, Digits};
use serde::Serialize;

use crate::model::Method;

/// Factors a user may hold at once, pending ones included.
pub const MAX_FACTORS: usize = 5;

/// The longest friendly name, in characters.
pub const MAX_FRIENDLY_NAME: usize = 64;

/// The state of a user's TOTP factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The name a factor gets when none is given.
pub fn default_name(method: Method) -> &'static str {
    match method {
        Method::TotpApp => "Authenticator app",
        Method::Sms => "SMS",
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

/// One of a user's TOTP factors. The secret is sealed (AES-256-GCM) and opened only to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Factor {
    /// Identifier.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// What the user calls it ("Work phone"), 1 to [`MAX_FRIENDLY_NAME`] characters.
    pub friendly_name: String,
    /// Unix seconds when the factor was created.
    pub created_at: u64,
    /// Bumped by each enrollment.
    pub generation: u32,
    /// Pending or active.
    pub status: FactorStatus,
    /// The secret and its parameters.
    pub enrollment: Enrollment,
    /// A re-enrollment of an active factor, waiting for its first code; the active secret
    /// keeps answering challenges until then. Only ever set while the factor is active.
    pub pending: Option<Enrollment>,
    /// When the factor's secret was enrolled or imported (a re-enrollment's once proven);
    /// `None` for factors enrolled before schema version 7.
    pub enrolled_at: Option<u64>,
    /// When a code of the factor, or a recovery code, was last accepted.
    pub last_used_at: Option<u64>,
}

impl Factor {
    /// A new factor `id` of `user_id` named `friendly_name`, enrolled at `now`: pending.
    pub fn new(
        id: String,
        user_id: &str,
        friendly_name: String,
        enrollment: Enrollment,
        now: u64,
    ) -> Self {
        Self {
            id,
            user_id: user_id.to_owned(),
            friendly_name,
            created_at: now,
            generation: 1,
            status: FactorStatus::Pending,
            enrollment,
            pending: None,
            enrolled_at: Some(now),
            last_used_at: None,
        }
    }

    /// Enrolls a new secret (the user's guard has counted it). Without `force` an active factor
    /// keeps its secret and gets the new one as pending beside it, replaced only when a first
    /// code proves it ([`Factor::promote`]); a factor never validated gets the new secret in
    /// place. `force` replaces the secret at once.
    pub fn reenroll(&mut self, enrollment: Enrollment, force: bool, now: u64) {
        self.generation = self.generation.saturating_add(1);
        match (force, self.status) {
            (false, FactorStatus::Active) => self.pending = Some(enrollment),
            _ => {
                self.status = FactorStatus::Pending;
                self.enrollment = enrollment;
                self.pending = None;
                self.enrolled_at = Some(now);
                self.last_used_at = None;
            }
        }
    }

    /// Whether a first code is awaited: the factor was never validated, or a re-enrollment
    /// waits beside its active secret.
    pub fn is_enrolling(&self) -> bool {
        self.status == FactorStatus::Pending || self.pending.is_some()
    }

    /// The secret an enrollment's first code is checked against: the pending one beside an
    /// active factor, else the factor's own.
    pub fn enrolling(&self) -> &Enrollment {
        self.pending.as_ref().unwrap_or(&self.enrollment)
    }

    /// A pending secret's first code was accepted: it replaces the active one, which stops
    /// working. `false` when nothing is pending.
    pub fn promote(&mut self, now: u64) -> bool {
        let Some(pending) = self.pending.take() else {
            return false;
        };
        self.enrollment = pending;
        self.enrolled_at = Some(now);
        true
    }

    /// The factor's own secret answered a code: it is active.
    pub fn activate(&mut self) {
        self.status = FactorStatus::Active;
    }
}

#[cfg(test)]
mod tests;
