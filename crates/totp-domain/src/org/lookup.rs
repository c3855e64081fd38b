//! Finding what an operation acts on, refused as the API answers it: a user (by id or email),
//! their active factor, the active connection. Every code path starts from these, so they
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

    /// The user's factor, if validated.
    pub(super) fn active_factor(&self, user_id: &str) -> Result<Factor> {
        let user = self.user_id(user_id)?;
        match store::factor(self.sql, &user)? {
            Some(factor) if factor.status == FactorStatus::Active => Ok(factor),
            Some(_) => Err(Error::EnrollmentPending),
            None => Err(Error::NotEnrolled),
        }
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
