//! Challenges and the one path that checks a code: the attempt is counted (and the lockout
//! applied) first, then the code is checked, and the outcome commits with its audit events in
//! one transaction. A code is accepted at most once.

use otp_core::{Totp, Window};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::factor::{Factor, FactorStatus, Locked};
use crate::lockout::LockoutPolicy;
use crate::model::{Connection, Method};
use crate::new_id;
use crate::sql::Sql;

use super::enrollment::code_expiry;
use super::{OrgService, store};

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

impl<S: Sql> OrgService<'_, S> {
    /// Starts a challenge. For SMS it answers the code to send.
    pub fn create_challenge(&self, user_id: &str) -> Result<ChallengeCreated> {
        let connection = self.active_connection()?;
        let factor = self.active_factor(user_id)?;
        let totp = self.open_totp(&factor)?;
        let id = new_id()?;
        let expires_at = code_expiry(&totp, self.now, connection.skew);
        self.sql.commit(vec![
            store::insert_challenge(&id, &factor.user_id, self.now, expires_at),
            self.audit("challenge.created", Some(&factor.user_id), None),
        ])?;
        let method = factor.enrollment.method;
        Ok(ChallengeCreated {
            id,
            code: (method == Method::Sms).then(|| totp.generate(self.now).as_str().to_owned()),
            user_id: factor.user_id,
            method,
            expires_at,
        })
    }

    /// Checks a challenge's code or a recovery code.
    pub fn validate_challenge(&self, user_id: &str, code: &str) -> Result<ValidationResult> {
        let connection = self.active_connection()?;
        let factor = self.active_factor(user_id)?;
        self.attempt(&connection, factor, code, AttemptKind::Challenge)
    }

    fn active_factor(&self, user_id: &str) -> Result<Factor> {
        let user = self.user(user_id)?;
        match store::factor(self.sql, &user.id)? {
            Some(factor) if factor.status == FactorStatus::Active => Ok(factor),
            Some(_) => Err(Error::Conflict(
                "the user's enrollment is not validated yet".into(),
            )),
            None => Err(Error::NotFound("the user is not enrolled")),
        }
    }

    fn open_totp(&self, factor: &Factor) -> Result<Totp> {
        let secret = self
            .keys
            .open(&factor.enrollment.sealed_secret, &factor.user_id)?;
        let e = &factor.enrollment;
        Totp::new(&secret, e.algorithm, e.digits, e.period).map_err(Error::internal)
    }

    /// Counts the attempt, checks the code (or spends a recovery code), and commits the
    /// factor's new state with the audit trail in one transaction.
    pub(super) fn attempt(
        &self,
        connection: &Connection,
        mut factor: Factor,
        code: &str,
        kind: AttemptKind,
    ) -> Result<ValidationResult> {
        let policy = LockoutPolicy::new(connection.max_attempts);
        let failures = factor
            .record_attempt(self.now, &policy)
            .map_err(|locked| match locked {
                Locked::ForGood => Error::Forbidden(
                    "the factor is locked after too many failed attempts; force a new enrollment"
                        .into(),
                ),
                Locked::Until(until) => Error::Throttled {
                    retry_after: until.saturating_sub(self.now).max(1),
                },
            })?;
        let user_id = factor.user_id.clone();
        let user = Some(user_id.as_str());

        let recovery_hash = match kind {
            AttemptKind::Challenge => self.keys.recovery_hash(code),
            AttemptKind::Enrollment => None,
        };
        let mut writes = Vec::new();
        let accepted = match &recovery_hash {
            Some(hash) => {
                let spent = store::recovery_code_unused(self.sql, &user_id, hash)?
                    && factor.use_recovery(self.now);
                if spent {
                    writes.push(store::spend_recovery_code(&user_id, hash, self.now));
                    writes.push(self.audit("recovery_code.used", user, None));
                }
                spent
            }
            None => {
                let window = Window::symmetric(connection.skew);
                let accepted = self
                    .open_totp(&factor)?
                    .verify(code.trim(), self.now, window)
                    .is_ok_and(|step| factor.accept_step(step));
                if accepted {
                    let event = match kind {
                        AttemptKind::Enrollment => "enrollment.validated",
                        AttemptKind::Challenge => "validation.succeeded",
                    };
                    writes.push(self.audit(event, user, None));
                }
                accepted
            }
        };
        if !accepted {
            writes.push(self.audit(
                "validation.failed",
                user,
                Some(format!("{failures} consecutive failures")),
            ));
            if policy.locked_until(failures, self.now).is_some() {
                writes.push(self.audit(
                    "factor.locked",
                    user,
                    Some(format!("after {failures} failures")),
                ));
            }
        }
        writes.insert(0, store::save_factor(&factor));
        self.sql.commit(writes)?;

        Ok(ValidationResult {
            success: accepted,
            recovery_code_used: accepted && recovery_hash.is_some(),
            reenrollment_required: factor.reenrollment_required,
            failed_attempts: factor.failures,
        })
    }
}
