//! Challenges: asking an enrolled user for a code, and checking the answer.

use serde::Serialize;

use crate::error::Result;
use crate::factor::FactorStatus;
use crate::model::Method;
use crate::new_id;
use crate::sql::Sql;

use super::attempt::{Accepted, AttemptKind, ValidationResult, code_expiry};
use super::audit::AuditKind;
use super::devices::{RememberDevice, device_name};
use super::store::{AnswerKind, NewChallenge, Purpose};
use super::{OrgService, store};

/// A challenge as answered to the customer.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Challenge))]
pub struct ChallengeCreated {
    /// Identifier.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// `totp_app` or `sms`.
    pub method: Method,
    /// SMS method only: this challenge's own random code, accepted once until expires_at while
    /// this is the user's open challenge (a new challenge supersedes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub code: Option<String>,
    /// The last second (Unix seconds) its code is accepted: for SMS, this challenge's code
    /// (while it is the user's open one); for an app, the current code.
    pub expires_at: u64,
    /// The user's unused recovery codes.
    pub recovery_codes_remaining: u32,
}

impl<S: Sql> OrgService<'_, S> {
    /// Starts a challenge, superseding the user's open one. For SMS it answers a code of its
    /// own to send.
    pub fn create_challenge(&self, user_id: &str) -> Result<ChallengeCreated> {
        let connection = self.active_connection()?;
        let (_, factors) = self.with_active_factor(&connection, user_id)?;
        // The first validated factor says how the code is sent; any of them may answer it.
        let Some(factor) = factors
            .into_iter()
            .find(|factor| factor.status == FactorStatus::Active)
        else {
            return Err(crate::error::Error::internal("no active factor"));
        };
        let id = new_id()?;
        let method = factor.enrollment.method;
        let (code, expires_at, mut writes) = match method {
            Method::Sms => {
                let issued = self.issue_sms_code(
                    &id,
                    &factor.user_id,
                    Purpose::Challenge,
                    factor.enrollment.digits,
                )?;
                (Some(issued.code), issued.expires_at, issued.writes)
            }
            Method::TotpApp => {
                let totp = self.open_totp(&factor.user_id, &factor.enrollment)?;
                let expires_at = code_expiry(&totp, self.now, connection.skew);
                let writes = store::open_challenge(&NewChallenge {
                    id: &id,
                    user_id: &factor.user_id,
                    purpose: Purpose::Challenge,
                    created_at: self.now,
                    expires_at,
                    code_hash: None,
                });
                (None, expires_at, writes)
            }
        };
        // The challenge an earlier answer held is superseded.
        writes.push(store::forget_answers(
            &factor.user_id,
            &[AnswerKind::Challenge],
        ));
        writes.push(self.audit(AuditKind::ChallengeCreated, Some(&factor.user_id), None));
        self.sql.commit(writes)?;
        Ok(ChallengeCreated {
            recovery_codes_remaining: store::recovery_codes_left(self.sql, &factor.user_id)?,
            id,
            code: code.map(|code| code.to_string()),
            user_id: factor.user_id,
            method,
            expires_at,
        })
    }

    /// Checks a challenge's code (against every validated factor of the user) or a recovery
    /// code.
    pub fn validate_challenge(&self, user_id: &str, code: &str) -> Result<ValidationResult> {
        self.validate_challenge_remembering(user_id, code, RememberDevice::default())
    }

    /// Checks a challenge's code; if a factor's code is accepted and trusted devices are on,
    /// remembers the device `remember` describes and answers its token, once.
    pub fn validate_challenge_remembering(
        &self,
        user_id: &str,
        code: &str,
        remember: RememberDevice,
    ) -> Result<ValidationResult> {
        let name = device_name(remember.device_name.as_deref())?;
        let connection = self.active_connection()?;
        let (user, factors) = self.with_active_factor(&connection, user_id)?;
        let days = connection.trusted_device_days;
        let device = (remember.remember_device && days > 0)
            .then(|| self.new_device(&user, name, days))
            .transpose()?;
        let mut issued = None;
        let mut result = self.attempt(
            &connection,
            &user,
            factors,
            code,
            AttemptKind::Challenge,
            Box::new(|accepted| match (accepted, device) {
                // A recovery code revokes every trusted device: it remembers none.
                (Accepted::Factor, Some(device)) => {
                    let writes = device.writes;
                    issued = Some((device.token, device.id, device.expires_at));
                    Ok(writes)
                }
                _ => Ok(Vec::new()),
            }),
        )?;
        if let Some((token, id, expires_at)) = issued {
            result.device_token = Some(token);
            result.device_id = Some(id);
            result.device_expires_at = Some(expires_at);
        }
        Ok(result)
    }
}
