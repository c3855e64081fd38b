//! Challenges: asking an enrolled user for a code, and checking the answer.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::factor::{Factor, FactorStatus};
use crate::model::Method;
use crate::new_id;
use crate::sql::Sql;

use super::attempt::{AttemptKind, ValidationResult, code_expiry};
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
}
