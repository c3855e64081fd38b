//! The one path that checks a code, for an enrollment or a challenge: the attempt is counted
//! (and the lockout applied) first, then the code is checked, and the outcome commits with its
//! audit events in one transaction. A code is accepted at most once: an app's code by its time
//! step, an SMS code by closing the challenge that issued it.

use otp_core::{Digits, Totp, Window};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::factor::{Enrollment, Factor, FactorStatus};
use crate::guard::Locked;
use crate::lockout::LockoutPolicy;
use crate::model::{Connection, Method};
use crate::sql::{Sql, Statement};

use super::audit::AuditKind;
use super::store::{AnswerKind, Purpose};
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::{Value as Json, json};

/// The answer to a code.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationResult {
    /// Whether the code was accepted.
    pub success: bool,
    /// A recovery code was spent by this request (at most one per 24 hours).
    pub recovery_code_used: bool,
    /// A recovery code has been used since the user last proved a new secret: the factors keep
    /// working, and this stays true on every answer until a new enrollment is validated, which
    /// the integrator should ask for.
    pub reenrollment_required: bool,
    /// Consecutive failed attempts so far: 0 after a success of an active factor; after a new
    /// secret is proven beside an active factor, the count earned before, until the next
    /// success.
    pub failed_attempts: u32,
    /// Unused recovery codes after this request.
    pub recovery_codes_remaining: u32,
    /// Why the code was not accepted; absent when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub reason: Option<FailureReason>,
    /// The factor whose code was accepted; absent when none was (a refusal, or a recovery
    /// code).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub factor_id: Option<String>,
    /// A challenge validated with `remember_device` while trusted devices are on: the
    /// device's token, shown once. Send it to `trusted-devices/verify` at the next sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub device_token: Option<String>,
    /// The remembered device's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub device_id: Option<String>,
    /// The last second (Unix seconds) the remembered device is trusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub device_expires_at: Option<u64>,
}

/// Why a well-formed code was not accepted. Each is counted as a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FailureReason {
    /// The code matches no time step of the window, nor an unused recovery code.
    InvalidCode,
    /// The code is right for a time step already accepted (or an older one): each step is
    /// accepted once. The user waits for the next code; a login just after an enrollment's
    /// validation meets this.
    CodeAlreadyUsed,
    /// An unused recovery code, refused because one was used in the last 24 hours: it stays
    /// unused.
    RecoveryCodeRateLimited,
}

/// What a code is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AttemptKind {
    /// The first code of a pending enrollment; recovery codes are not accepted.
    Enrollment,
    /// A challenge of an active factor; a recovery code may stand in for the code.
    Challenge,
    /// A current code of the active factor proving the user before a sensitive change; a
    /// recovery code is no proof.
    Proof,
}

/// What an accepted attempt adds to its transaction; boxed so the attempt's code is compiled
/// once, not once per caller.
pub(super) type OnSuccess<'a> = Box<dyn FnOnce(Accepted) -> Result<Vec<Statement>> + 'a>;

/// What an accepted code was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Accepted {
    /// A factor's code.
    Factor,
    /// A recovery code.
    Recovery,
}

impl<S: Sql> OrgService<'_, S> {
    pub(super) fn open_totp(&self, user_id: &str, e: &Enrollment) -> Result<Totp> {
        let secret = self.keys.open(&e.sealed_secret, user_id)?;
        Totp::new(&secret, e.algorithm, e.digits, e.period).map_err(Error::internal)
    }

    /// Counts the attempt on the user's guard, checks the code against every factor the
    /// attempt may prove (or spends a recovery code), and commits the guard, the factor that
    /// matched, the audit trail and what `on_success` adds, in one transaction.
    pub(super) fn attempt(
        &self,
        connection: &Connection,
        user_id: &str,
        mut factors: Vec<Factor>,
        code: &str,
        kind: AttemptKind,
        on_success: OnSuccess<'_>,
    ) -> Result<ValidationResult> {
        let has_active = factors.iter().any(|f| f.status == FactorStatus::Active);
        let candidates: Vec<usize> = (0..factors.len())
            .filter(|&i| match kind {
                AttemptKind::Enrollment => factors[i].is_enrolling(),
                AttemptKind::Challenge | AttemptKind::Proof => {
                    factors[i].status == FactorStatus::Active
                }
            })
            .collect();
        let secret_of = |factor: &Factor| -> Enrollment {
            match kind {
                AttemptKind::Enrollment => factor.enrolling().clone(),
                AttemptKind::Challenge | AttemptKind::Proof => factor.enrollment.clone(),
            }
        };
        let digits: Vec<Digits> = candidates
            .iter()
            .map(|&i| secret_of(&factors[i]).digits)
            .collect();
        // Refused before it counts: a code of another shape cannot be right.
        let code = &shaped(code, &digits, kind == AttemptKind::Challenge)?;
        let policy = LockoutPolicy::new(connection.max_attempts);
        let user = Some(user_id);
        let (mut guard, codes_left) = store::guard_and_codes_left(self.sql, user_id)?;
        let before = guard.standing();
        let failures = guard
            .record_attempt(self.now, &policy)
            .map_err(|locked| match locked {
                Locked::ForGood => Error::Locked,
                Locked::Until(until) => Error::Throttled {
                    retry_after: until.saturating_sub(self.now).max(1),
                    until,
                },
            })?;

        let recovery_hash = match kind {
            AttemptKind::Challenge => self.keys.recovery_hash(code),
            AttemptKind::Enrollment | AttemptKind::Proof => None,
        };
        let mut writes = Vec::new();
        let mut refusal = FailureReason::InvalidCode;
        let mut matched = None;
        let accepted = match &recovery_hash {
            Some(hash) => {
                let unused = store::recovery_code_unused(self.sql, user_id, hash)?;
                let spent = unused && guard.use_recovery(self.now);
                if spent {
                    // A lost device is the usual reason: none stays trusted.
                    writes.push(store::spend_recovery_code(user_id, hash, self.now));
                    writes.push(store::delete_devices(user_id));
                    writes.push(self.audit(AuditKind::RecoveryCodeUsed, user, None));
                    let remaining = codes_left.saturating_sub(1);
                    let count = || data([("recovery_codes_remaining", json!(remaining))]);
                    writes.push(self.notify(EventType::RecoveryCodeUsed, user, count())?);
                    if remaining == 1 {
                        writes.push(self.notify(EventType::RecoveryCodesLow, user, count())?);
                    }
                } else if unused {
                    refusal = FailureReason::RecoveryCodeRateLimited;
                }
                spent
            }
            None => {
                // Every candidate is checked, none skipped once one matched, so the time taken
                // says nothing of which factor a code belongs to.
                let mut proven_by = None;
                for &i in &candidates {
                    let secret = secret_of(&factors[i]);
                    if code.len() != secret.digits.count() {
                        continue;
                    }
                    let proven = self.check(connection, user_id, &secret, code, kind)?;
                    if let (None, Some(proven)) = (&proven_by, proven) {
                        proven_by = Some((i, secret.period, proven));
                    }
                }
                let accepted = proven_by.is_some_and(|(i, period, proven)| {
                    writes.extend(proven.close);
                    let fresh = match proven.step {
                        Some(step) => guard.accept_step(step, period),
                        None => {
                            guard.accept_code();
                            true
                        }
                    };
                    let factor = &mut factors[i];
                    if !fresh {
                        refusal = FailureReason::CodeAlreadyUsed;
                    } else if kind == AttemptKind::Enrollment {
                        if has_active {
                            // Failures earned on this user stay: only a success of an active
                            // secret or a forced enrollment clears them.
                            guard.restore(before);
                        }
                        if factor.promote(self.now) {
                            // The secret devices were trusted under is gone.
                            writes.push(store::delete_devices(user_id));
                        }
                        factor.activate();
                        guard.reenrolled();
                    }
                    matched = fresh.then_some(i);
                    fresh
                });
                let event = match kind {
                    AttemptKind::Enrollment => Some(AuditKind::EnrollmentValidated),
                    AttemptKind::Challenge => Some(AuditKind::ValidationSucceeded),
                    // The change it proves is audited by the caller.
                    AttemptKind::Proof => None,
                };
                if let Some(event) = event.filter(|_| accepted) {
                    let detail = matched.map(|i| format!("factor {}", factors[i].id));
                    writes.push(self.audit(event, user, detail));
                }
                if let (AttemptKind::Enrollment, Some(i)) = (kind, matched) {
                    let factor = data([("factor_id", json!(factors[i].id))]);
                    writes.push(self.notify(EventType::FactorActivated, user, factor)?);
                }
                accepted
            }
        };
        if accepted {
            // What a kept answer held has changed: a pending secret became active, a challenge
            // closed, or (a regeneration) the recovery codes an enrollment answered are gone.
            let ended = match kind {
                AttemptKind::Enrollment | AttemptKind::Proof => AnswerKind::Enrollment,
                AttemptKind::Challenge => AnswerKind::Challenge,
            };
            writes.push(store::forget_answers(user_id, &[ended]));
        } else {
            writes.push(self.audit(
                AuditKind::ValidationFailed,
                user,
                Some(format!("{failures} consecutive failures")),
            ));
            if let Some(until) = policy.locked_until(failures, self.now) {
                writes.push(self.audit(
                    AuditKind::FactorLocked,
                    user,
                    Some(format!("after {failures} failures")),
                ));
                let hard = policy.exhausted(failures);
                let locked = data([
                    ("until", if hard { Json::Null } else { json!(until) }),
                    ("failed_attempts", json!(failures)),
                    ("hard_lock", json!(hard)),
                ]);
                writes.push(self.notify(EventType::UserLocked, user, locked)?);
            }
        }
        writes.insert(0, store::save_guard(user_id, &guard));
        let matched = matched.map(|i| {
            let factor = &mut factors[i];
            factor.last_used_at = Some(self.now);
            // A factor changes only when its code is accepted; a refused one is the guard's.
            writes.insert(1, store::save_factor(factor));
            &factors[i]
        });
        if accepted {
            writes.extend(on_success(match matched {
                Some(_) => Accepted::Factor,
                None => Accepted::Recovery,
            })?);
        }
        self.sql.commit(writes)?;

        Ok(ValidationResult {
            success: accepted,
            recovery_code_used: accepted && recovery_hash.is_some(),
            reenrollment_required: guard.reenrollment_required,
            failed_attempts: guard.failures,
            recovery_codes_remaining: match accepted {
                // Read back: a success may have spent or replaced them.
                true => store::recovery_codes_left(self.sql, user_id)?,
                // A refusal writes no recovery code.
                false => codes_left,
            },
            reason: (!accepted).then_some(refusal),
            factor_id: matched.map(|factor| factor.id.clone()),
            device_token: None,
            device_id: None,
            device_expires_at: None,
        })
    }
}

/// The code to check: its digits without the spaces or hyphens authenticator apps group them
/// with ("123 456"), or, where one may stand in, a recovery code as typed. Any other shape is
/// a 422 naming `code`.
fn shaped(code: &str, digits: &[Digits], recovery: bool) -> Result<String> {
    let bare: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let counts = || digits.iter().map(|d| d.count());
    if counts().any(|count| count == bare.len()) && bare.bytes().all(|byte| byte.is_ascii_digit()) {
        return Ok(bare);
    }
    if recovery && otp_core::recovery::normalize(code).is_some() {
        return Ok(code.to_owned());
    }
    let or_recovery = if recovery { ", or a recovery code" } else { "" };
    let mut counts: Vec<usize> = counts().collect();
    counts.sort_unstable();
    counts.dedup();
    let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
    Err(Error::invalid(
        "code",
        format!(
            "must be {} digits (spaces and hyphens are ignored){or_recovery}",
            counts.join(" or ")
        ),
    ))
}

/// A code that matched.
struct Proven {
    /// The app code's time step; `None` for an SMS code.
    step: Option<u64>,
    /// For an SMS code: the write that closes its challenge, so it is used once.
    close: Option<Statement>,
}

impl<S: Sql> OrgService<'_, S> {
    /// Checks `code` against one secret of the factor: an app's code within the window, or
    /// the SMS code of the user's open challenge for this kind. `None` if refused.
    fn check(
        &self,
        connection: &Connection,
        user_id: &str,
        enrollment: &Enrollment,
        code: &str,
        kind: AttemptKind,
    ) -> Result<Option<Proven>> {
        match enrollment.method {
            Method::TotpApp => {
                let window = Window::symmetric(connection.skew);
                let totp = self.open_totp(user_id, enrollment)?;
                Ok(totp.verify(code, self.now, window).ok().map(|step| Proven {
                    step: Some(step),
                    close: None,
                }))
            }
            Method::Sms => {
                let purpose = match kind {
                    AttemptKind::Enrollment => Purpose::Enrollment,
                    AttemptKind::Challenge | AttemptKind::Proof => Purpose::Challenge,
                };
                let open = store::open_code(self.sql, user_id, purpose, self.now)?;
                Ok(open.and_then(|open| {
                    let hash = self.keys.sms_code_hash(&open.id, code);
                    bool::from(hash.as_slice().ct_eq(open.code_hash.as_slice())).then(|| Proven {
                        step: None,
                        close: Some(store::close_challenges(user_id, purpose)),
                    })
                }))
            }
        }
    }
}

/// The last second at which a code generated at `now` is still accepted.
pub(super) fn code_expiry(totp: &Totp, now: u64, skew: u8) -> u64 {
    (totp.step(now) + 1 + u64::from(skew)) * totp.period() - 1
}
