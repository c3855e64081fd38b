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
        Ok(self.find_user::<store::UserKey>(id_or_email)?.id)
    }

    /// A user's row, found by id or by email.
    pub(super) fn stored_user(&self, id_or_email: &str) -> Result<store::StoredUser> {
        self.find_user(id_or_email)
    }

    /// A user by email when the text has an `@` (no id has one: ids are UUIDs), else by id, so
    /// a lookup by id hashes nothing.
    fn find_user<U: store::UserColumns>(&self, id_or_email: &str) -> Result<U> {
        let found = if id_or_email.contains('@') {
            store::user_by_email(self.sql, &self.keys.email_keys(id_or_email))?
        } else {
            store::user_by_id(self.sql, id_or_email)?
        };
        found.ok_or(Error::NotFound(Record::User))
    }

    /// The user's id and all of their factors, oldest first, if at least one is validated.
    /// Without one: `enrollment_required` once the organization's policy demands a factor
    /// and the user's grace period is over, else not enrolled or pending.
    pub(super) fn with_active_factor(
        &self,
        connection: &Connection,
        user_id: &str,
    ) -> Result<(String, Vec<Factor>)> {
        // By id, an active factor proves the user exists (factors reference users): the
        // user's row is read only when the answer depends on it.
        let by_id = match user_id.contains('@') {
            false => Some(store::factors(self.sql, user_id)?),
            true => None,
        };
        let active = |factors: &[Factor]| factors.iter().any(|f| f.status == FactorStatus::Active);
        if by_id.as_deref().is_some_and(active) {
            return Ok((user_id.to_owned(), by_id.unwrap_or_default()));
        }
        let user = self.find_user::<store::UserKey>(user_id)?;
        let factors = match by_id {
            Some(factors) => factors,
            None => store::factors(self.sql, &user.id)?,
        };
        if active(&factors) {
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
