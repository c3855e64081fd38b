//! Challenges and the one path that checks a code: lockout first, then the code, accepted at
//! most once.

use otp_core::{Totp, Window};
use serde::Serialize;

use super::enrollment::code_expiry;
use super::error::{Error, Result};
use super::lockout::LockoutPolicy;
use super::model::{Connection, Factor, FactorStatus, Method, Organization};
use super::store::{Challenge, Store};
use super::{Clock, Service, new_id};

/// A challenge as answered to the customer.
#[derive(Debug, Serialize)]
pub struct ChallengeCreated {
    /// Identifier.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// `totp_app` or `sms`.
    pub method: Method,
    /// For SMS: the code to send to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Unix seconds after which the current code is refused.
    pub expires_at: u64,
}

/// The answer to a code.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct ValidationResult {
    /// Whether the code was accepted.
    pub success: bool,
    /// Whether a recovery code was spent.
    pub recovery_code_used: bool,
    /// Whether the user must enroll again (after a recovery code).
    pub reenrollment_required: bool,
    /// Consecutive failures so far (0 after a success).
    pub failed_attempts: u32,
}

/// What a code is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AttemptKind {
    /// The first code of a pending enrollment; recovery codes are not accepted.
    Enrollment,
    /// A challenge of an active factor; a recovery code may stand in for the code.
    Challenge,
}

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Starts a challenge. For SMS it answers the code to send.
    pub async fn create_challenge(
        &self,
        organization: &Organization,
        user_id: &str,
    ) -> Result<ChallengeCreated> {
        let connection = self.active_connection(organization).await?;
        let factor = self.active_factor(organization, user_id).await?;
        let totp = self.open_totp(&factor)?;
        let now = self.clock.now();
        let challenge = Challenge {
            id: new_id()?,
            user_id: factor.user_id.clone(),
            created_at: now,
            expires_at: code_expiry(&totp, now, connection.skew),
        };
        self.store.insert_challenge(&challenge).await?;
        self.audit(
            organization,
            "challenge.created",
            Some(&factor.user_id),
            None,
        )
        .await?;
        Ok(ChallengeCreated {
            id: challenge.id,
            user_id: challenge.user_id,
            method: factor.method,
            code: (factor.method == Method::Sms).then(|| totp.generate(now).as_str().to_owned()),
            expires_at: challenge.expires_at,
        })
    }

    /// Checks a challenge's code or a recovery code.
    pub async fn validate_challenge(
        &self,
        organization: &Organization,
        user_id: &str,
        code: &str,
    ) -> Result<ValidationResult> {
        let connection = self.active_connection(organization).await?;
        let factor = self.active_factor(organization, user_id).await?;
        self.attempt(
            organization,
            &connection,
            &factor,
            code,
            AttemptKind::Challenge,
        )
        .await
    }

    async fn active_factor(&self, organization: &Organization, user_id: &str) -> Result<Factor> {
        let user = self.user(organization, user_id).await?;
        match self.store.factor(&user.id).await? {
            Some(factor) if factor.status == FactorStatus::Active => Ok(factor),
            Some(_) => Err(Error::Conflict(
                "the user's enrollment is not validated yet".into(),
            )),
            None => Err(Error::NotFound("the user is not enrolled")),
        }
    }

    fn open_totp(&self, factor: &Factor) -> Result<Totp> {
        let secret = self.keys.open(&factor.sealed_secret, &factor.user_id)?;
        Totp::new(&secret, factor.algorithm, factor.digits, factor.period).map_err(Error::internal)
    }

    /// Counts the attempt as a failure first (one atomic write that also applies the lockout),
    /// then checks the code, and on success clears the count in the same write that accepts
    /// the time step or spends the recovery code. Parallel guesses are all counted before any
    /// is checked, so they cannot outrun the lockout.
    pub(super) async fn attempt(
        &self,
        organization: &Organization,
        connection: &Connection,
        factor: &Factor,
        code: &str,
        kind: AttemptKind,
    ) -> Result<ValidationResult> {
        let now = self.clock.now();
        let policy = LockoutPolicy::new(connection.max_attempts);
        let user_id = factor.user_id.as_str();
        let Some(failures) = self.store.reserve_attempt(user_id, now, &policy).await? else {
            return Err(self.lockout_error(user_id, now, &policy).await?);
        };

        let recovery_hash = match kind {
            AttemptKind::Challenge => self.keys.recovery_hash(code),
            AttemptKind::Enrollment => None,
        };
        let accepted = match recovery_hash {
            Some(hash) => {
                self.store
                    .consume_recovery_code(user_id, &hash, now)
                    .await?
            }
            None => match self.open_totp(factor)?.verify(
                code.trim(),
                now,
                Window::symmetric(connection.skew),
            ) {
                Ok(step) => {
                    self.store
                        .accept_step(user_id, factor.generation, step)
                        .await?
                }
                Err(_) => false,
            },
        };

        if accepted {
            let recovery_code_used = recovery_hash.is_some();
            if recovery_code_used {
                self.audit(organization, "recovery_code.used", Some(user_id), None)
                    .await?;
            } else if kind == AttemptKind::Challenge {
                self.audit(organization, "validation.succeeded", Some(user_id), None)
                    .await?;
            }
            return Ok(ValidationResult {
                success: true,
                recovery_code_used,
                reenrollment_required: recovery_code_used || factor.reenrollment_required,
                failed_attempts: 0,
            });
        }

        self.audit(
            organization,
            "validation.failed",
            Some(user_id),
            Some(format!("{failures} consecutive failures")),
        )
        .await?;
        if policy.locked_until(failures, now).is_some() {
            self.audit(
                organization,
                "factor.locked",
                Some(user_id),
                Some(format!("after {failures} failures")),
            )
            .await?;
        }
        Ok(ValidationResult {
            success: false,
            recovery_code_used: false,
            reenrollment_required: factor.reenrollment_required,
            failed_attempts: failures,
        })
    }

    async fn lockout_error(
        &self,
        user_id: &str,
        now: u64,
        policy: &LockoutPolicy,
    ) -> Result<Error> {
        let factor = self
            .store
            .factor(user_id)
            .await?
            .ok_or(Error::NotFound("the user is not enrolled"))?;
        if policy.exhausted(factor.failures) {
            return Ok(Error::Forbidden(
                "the factor is locked after too many failed attempts; force a new enrollment"
                    .into(),
            ));
        }
        Ok(Error::Throttled {
            retry_after: factor.locked_until.saturating_sub(now).max(1),
        })
    }
}
