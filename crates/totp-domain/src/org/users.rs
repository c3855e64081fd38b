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

/// Profile fields to change, as received: an absent field keeps its value, an empty one clears
/// it (except the email, which every user has).
pub type UserUpdate = NewUser;

fn email(value: &str) -> Result<String> {
    validate::email("profile[email]", value)
}

fn given_name(value: &str) -> Result<Option<String>> {
    validate::optional_text("profile[given_name]", Some(value), 128)
}

fn family_name(value: &str) -> Result<Option<String>> {
    validate::optional_text("profile[family_name]", Some(value), 128)
}

fn phone_number(value: &str) -> Result<Option<String>> {
    Some(value)
        .filter(|phone| !phone.trim().is_empty())
        .map(|phone| validate::phone_number("profile[phone_number]", phone))
        .transpose()
}

impl<S: Sql> OrgService<'_, S> {
    /// Creates a user; a taken email (any case) is a 422.
    pub fn create_user(&self, new: NewUser) -> Result<User> {
        let address = new
            .email
            .ok_or_else(|| Error::invalid("profile[email]", "is required"))?;
        let optional = |value: Option<String>, check: fn(&str) -> Result<Option<String>>| {
            value.map_or(Ok(None), |value| check(&value))
        };
        let profile = Profile {
            email: email(&address)?,
            given_name: optional(new.given_name, given_name)?,
            family_name: optional(new.family_name, family_name)?,
            phone_number: optional(new.phone_number, phone_number)?,
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

    /// Changes a user's profile, every field checked before anything is written; an email
    /// taken by another user is a 422. Audited with the names of the fields changed, never
    /// their values.
    pub fn update_user(&self, id_or_email: &str, update: UserUpdate) -> Result<User> {
        let mut user = self.user(id_or_email)?;
        let before = user.profile.clone();
        let profile = &mut user.profile;
        if let Some(address) = update.email {
            profile.email = email(&address)?;
        }
        if let Some(value) = update.given_name {
            profile.given_name = given_name(&value)?;
        }
        if let Some(value) = update.family_name {
            profile.family_name = family_name(&value)?;
        }
        if let Some(value) = update.phone_number {
            profile.phone_number = phone_number(&value)?;
        }
        let email_changed = store::email_key(&profile.email) != store::email_key(&before.email);
        if email_changed && store::email_taken(self.sql, &profile.email)? {
            return Err(Error::invalid("email", "has already been taken"));
        }
        let changed: Vec<&str> = [
            ("email", profile.email != before.email),
            ("given_name", profile.given_name != before.given_name),
            ("family_name", profile.family_name != before.family_name),
            ("phone_number", profile.phone_number != before.phone_number),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect();
        if !changed.is_empty() {
            self.sql.commit(vec![
                store::update_user(&user),
                self.audit("user.updated", Some(&user.id), Some(changed.join(", "))),
            ])?;
        }
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
