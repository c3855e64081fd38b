//! Users of an organization. Personal fields are never stored in clear: the profile is sealed
//! with AES-256-GCM (bound to the user) and the email kept only as a keyed hash for uniqueness
//! and lookup, since the runtime cannot scrub deleted rows from its storage files.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Connection, Page, PageRequest, Profile, User};
use crate::sql::{Sql, unblob};
use crate::{new_id, validate};
use zeroize::Zeroizing;

use super::audit::AuditKind;
use super::webhooks::data;
use super::{OrgService, policy, store};
use crate::webhook::EventType;

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
        let email_key = self.keys.email_key(&profile.email);
        if store::email_taken(self.sql, &self.keys.email_keys(&profile.email))? {
            return Err(Error::EmailTaken);
        }
        let id = new_id()?;
        let user = User {
            mfa: policy::mfa(&self.connection()?, self.now, 0),
            id,
            profile,
            created_at: self.now,
        };
        let sealed = self.seal_profile(&user.id, &user.profile)?;
        self.sql.commit(vec![
            store::insert_user(&user.id, &sealed, self.email(&email_key), user.created_at),
            self.audit(AuditKind::UserCreated, Some(&user.id), None),
        ])?;
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
        let email_key = self.keys.email_key(&profile.email);
        let email_changed = email_key != self.keys.email_key(&before.email);
        if email_changed && store::email_taken(self.sql, &self.keys.email_keys(&profile.email))? {
            return Err(Error::EmailTaken);
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
            let sealed = self.seal_profile(&user.id, &user.profile)?;
            // Every kept answer about the user may quote the old profile (an enrollment's
            // otpauth URI names the email).
            self.sql.commit(vec![
                store::update_user(&user.id, &sealed, self.email(&email_key)),
                store::forget_answers_about(&user.id),
                self.audit(
                    AuditKind::UserUpdated,
                    Some(&user.id),
                    Some(changed.join(", ")),
                ),
            ])?;
        }
        Ok(user)
    }

    /// Deletes a user with their factors, recovery codes, challenges, trusted devices and the
    /// answers kept for idempotent retries that concern them. The audit trail keeps an event
    /// naming the user by id only.
    pub fn delete_user(&self, id_or_email: &str) -> Result<()> {
        let user = self.user_id(id_or_email)?;
        let mut writes = store::delete_factors(&user);
        writes.push(store::delete_devices(&user));
        writes.push(store::delete_guard(&user));
        writes.push(store::forget_answers_about(&user));
        writes.push(store::delete_user(&user));
        writes.push(self.audit(AuditKind::UserDeleted, Some(&user), None));
        writes.push(self.notify(EventType::UserDeleted, Some(&user), data([]))?);
        self.sql.commit(writes)
    }

    /// A user by id or by email.
    pub fn user(&self, id_or_email: &str) -> Result<User> {
        self.reveal(self.stored_user(id_or_email)?)
    }

    /// A page of users.
    pub fn users(&self, page: PageRequest) -> Result<Page<User>> {
        let (rows, next, total) = store::users(self.sql, &page)?;
        let connection = self.connection()?;
        let data = rows
            .into_iter()
            .map(|row| self.reveal_with(row, &connection))
            .collect::<Result<_>>()?;
        Ok(Page::new(data, total, &page, next))
    }

    /// Seals the profiles of rows written before schema version 4, in one transaction.
    pub(super) fn seal_legacy_profiles(&self) -> Result<()> {
        let mut writes = Vec::new();
        for legacy in store::legacy_profiles(self.sql)? {
            let profile = Profile::from(legacy.record);
            let email_key = self.keys.email_key(&profile.email);
            let sealed = self.seal_profile(&legacy.id, &profile)?;
            writes.push(store::update_user(
                &legacy.id,
                &sealed,
                self.email(&email_key),
            ));
        }
        if writes.is_empty() {
            return Ok(());
        }
        self.sql.commit(writes)
    }

    /// Re-seals up to `limit` profiles still under an older sealing key, or whose email is
    /// hashed under an older lookup key; the number re-sealed.
    pub(super) fn reseal_profiles(&self, limit: u32) -> Result<u32> {
        let mut resealed = 0;
        for row in self.users_under_other_keys(limit)? {
            let user = self.reveal(row)?;
            let email_key = self.keys.email_key(&user.profile.email);
            let sealed = self.seal_profile(&user.id, &user.profile)?;
            self.sql.commit(vec![store::update_user(
                &user.id,
                &sealed,
                self.email(&email_key),
            )])?;
            resealed += 1;
        }
        Ok(resealed)
    }

    /// Up to `limit` users left for [`Self::reseal_profiles`].
    pub(super) fn users_under_other_keys(&self, limit: u32) -> Result<Vec<store::StoredUser>> {
        store::users_sealed_under_other_keys(
            self.sql,
            self.keys.current_key_id(),
            self.keys.current_email_key_id(),
            limit,
        )
    }

    /// An email hash under the current lookup key, with that key's id.
    fn email<'k>(&'k self, email_key: &'k [u8; 32]) -> store::EmailKey<'k> {
        (email_key, self.keys.current_email_key_id())
    }

    fn seal_profile(&self, id: &str, profile: &Profile) -> Result<Vec<u8>> {
        let record = store::ProfileRecord::from(profile);
        let json = Zeroizing::new(serde_json::to_vec(&record).map_err(Error::internal)?);
        self.keys.seal_profile(&json, id)
    }

    fn reveal(&self, row: store::StoredUser) -> Result<User> {
        self.reveal_with(row, &self.connection()?)
    }

    /// A stored user in clear, with their MFA under `connection`.
    fn reveal_with(&self, row: store::StoredUser, connection: &Connection) -> Result<User> {
        let sealed = row
            .profile
            .ok_or_else(|| Error::internal("a user's profile is not sealed"))?;
        let json = self.keys.open_profile(&unblob(&sealed)?, &row.id)?;
        let record: store::ProfileRecord =
            serde_json::from_slice(&json).map_err(Error::internal)?;
        Ok(User {
            mfa: policy::mfa(connection, row.created_at, row.active_factors),
            id: row.id,
            profile: record.into(),
            created_at: row.created_at,
        })
    }
}
