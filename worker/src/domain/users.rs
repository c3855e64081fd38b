//! Users of an organization.

use super::error::{Error, Result};
use super::model::{Organization, Page, PageRequest, Profile, User};
use super::store::Store;
use super::{Clock, Service, new_id, validate};

/// A user to create, as received.
#[derive(Debug, Default)]
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

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Creates a user; a taken email (any case) is a 422.
    pub async fn create_user(&self, organization: &Organization, new: NewUser) -> Result<User> {
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
        let user = User {
            id: new_id()?,
            organization_id: organization.id.clone(),
            profile,
            created_at: self.clock.now(),
        };
        if !self.store.insert_user(&user).await? {
            return Err(Error::invalid("email", "has already been taken"));
        }
        Ok(user)
    }

    /// A user by id or by email.
    pub async fn user(&self, organization: &Organization, id_or_email: &str) -> Result<User> {
        self.store
            .user(&organization.id, id_or_email)
            .await?
            .ok_or(Error::NotFound("user not found"))
    }

    /// A page of users.
    pub async fn users(
        &self,
        organization: &Organization,
        page: PageRequest,
    ) -> Result<Page<User>> {
        let (data, total) = self.store.users(&organization.id, page).await?;
        Ok(Page::new(data, total, page))
    }
}
