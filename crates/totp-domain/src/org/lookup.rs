//! Finding what an operation acts on, refused as the API answers it: a user (by id or email),
//! their factors, the active connection. Every code path starts from these, so they
//! live apart from any one operation.

use crate::error::{Error, Record, Result};
use crate::factor::{Factor, FactorStatus};
use crate::model::Connection;
use crate::sql::Sql;

use super::{OrgService, store};

impl<S: Sql> OrgService<'_, S> {
    /// The id of a user given by id or by email, without opening the profile: what the code
    /// paths need.
    pub(super) fn user_id(&self, id_or_email: &str) -> Result<String> {
        Ok(self.stored_user(id_or_email)?.id)
    }

    /// A user's row, found by id or by email.
    pub(super) fn stored_user(&self, id_or_email: &str) -> Result<store::StoredUser> {
        let email_keys = self.keys.email_keys(id_or_email);
        store::user(self.sql, id_or_email, &email_keys)?.ok_or(Error::NotFound(Record::User))
    }

    /// The user's id and all of their factors, oldest first, if at least one is validated.
    /// Without one: `enrollment_required` once the organization's policy demands a factor
    /// and the user's grace period is over, else not enrolled or pending.
    pub(super) fn with_active_factor(
        &self,
        connection: &Connection,
        user_id: &str,
    ) -> Result<(String, Vec<Factor>)> {
        let user = self.stored_user(user_id)?;
        let factors = store::factors(self.sql, &user.id)?;
        if factors.iter().any(|f| f.status == FactorStatus::Active) {
            return Ok((user.id, factors));
        }
        if let Some(enroll_by) = super::policy::enroll_by(connection, user.created_at)
            && self.now >= enroll_by
        {
            return Err(Error::EnrollmentRequired { enroll_by });
        }
        Err(if factors.is_empty() {
            Error::NotEnrolled
        } else {
            Error::EnrollmentPending
        })
    }

    /// One of the user's factors, by id.
    pub(super) fn factor_of(&self, user_id: &str, factor_id: &str) -> Result<Factor> {
        store::factors(self.sql, user_id)?
            .into_iter()
            .find(|factor| factor.id == factor_id)
            .ok_or(Error::NotFound(Record::Factor))
    }

    /// The connection, if active.
    pub(super) fn active_connection(&self) -> Result<Connection> {
        let connection = self.connection()?;
        if !connection.active {
            return Err(Error::ConnectionInactive);
        }
        Ok(connection)
    }
}
