//! Users of an organization.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Page, PageRequest, Profile, User};
use crate::sql::Sql;
use crate::{new_id, validate};

use super::{OrgService, store};

/// A user to create, as received.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NewUser {
    /// Required.
    pub email: Option<String>,
    /// Optional.
    pub given_name: Option<String>,
    /// Optional.
    pub family_name: Option<String>,
    /// Optional, E.164.
    pub phone_number: Option<String>,
}

impl<S: Sql> OrgService<'_, S> {
    /// Creates a user; a taken email (any case) is a 422.
    pub fn create_user(&self, new: NewUser) -> Result<User> {
        let email = new
            .email
            .ok_or_else(|| Error::invalid("profile[email]", "is required"))?;
        let profile = Profile {
            email: validate::email("profile[email]", &email)?,
            given_name: validate::optional_text(
                "profile[given_name]",
                new.given_name.as_deref(),
                128,
            )?,
            family_name: validate::optional_text(
                "profile[family_name]",
                new.family_name.as_deref(),
                128,
            )?,
            phone_number: new
                .phone_number
                .as_deref()
                .filter(|phone| !phone.trim().is_empty())
                .map(|phone| validate::phone_number("profile[phone_number]", phone))
                .transpose()?,
        };
        if store::email_taken(self.sql, &profile.email)? {
            return Err(Error::invalid("email", "has already been taken"));
        }
        let user = User {
            id: new_id()?,
            profile,
            created_at: self.now,
        };
        self.sql.commit(vec![store::insert_user(&user)])?;
        Ok(user)
    }

    /// A user by id or by email.
    pub fn user(&self, id_or_email: &str) -> Result<User> {
        store::user(self.sql, id_or_email)?.ok_or(Error::NotFound("user not found"))
    }

    /// A page of users.
    pub fn users(&self, page: PageRequest) -> Result<Page<User>> {
        let (data, total) = store::users(self.sql, page)?;
        Ok(Page::new(data, total, page))
    }
}
