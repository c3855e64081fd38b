//! Users: the profile sealed, the email only as its keyed hash.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::keys::sealed_key_id;
use crate::model::{PageRequest, Profile};
use crate::sql::{Count, Sql, Statement, blob};
use crate::{cursor, stmt};

use super::counter;
/// A user as stored: every personal field sealed in `profile` (see [`ProfileRecord`]), the email
/// present only as its keyed hash `email_key`. `profile` is null only in rows written before
/// schema version 4, until the object seals them (`legacy_profiles`).
#[derive(Deserialize)]
pub struct StoredUser {
    /// The user's id.
    pub id: String,
    /// The sealed [`ProfileRecord`], as base64.
    pub profile: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// How many of the user's factors are validated.
    pub active_factors: u32,
}

/// The form a profile is sealed in.
#[derive(Serialize, Deserialize)]
pub struct ProfileRecord {
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    phone_number: Option<String>,
}

impl From<&Profile> for ProfileRecord {
    fn from(p: &Profile) -> Self {
        Self {
            email: p.email.clone(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            phone_number: p.phone_number.clone(),
        }
    }
}

impl From<ProfileRecord> for Profile {
    fn from(r: ProfileRecord) -> Self {
        Self {
            email: r.email,
            given_name: r.given_name,
            family_name: r.family_name,
            phone_number: r.phone_number,
        }
    }
}

/// A user's columns, with the count of their validated factors (one seek in `factors_by_user`,
/// so a page of users is one query).
const USER_COLUMNS: &str = "id, profile, created_at, (SELECT count(*) FROM factors \
     WHERE factors.user_id = users.id AND factors.status = 'active') AS active_factors";

/// Which columns a lookup reads: the whole row, or only what the code paths need.
pub trait UserColumns: serde::de::DeserializeOwned {
    /// The columns, as a `SELECT` list over `users`.
    const COLUMNS: &'static str;
}

impl UserColumns for StoredUser {
    const COLUMNS: &'static str = USER_COLUMNS;
}

/// A user's id and creation time, without the profile: what validations and enrollments need.
#[derive(Deserialize)]
pub struct UserKey {
    /// The user's id.
    pub id: String,
    /// Unix seconds.
    pub created_at: u64,
}

impl UserColumns for UserKey {
    const COLUMNS: &'static str = "id, created_at";
}

/// The user with this id.
pub fn user_by_id<U: UserColumns>(sql: &impl Sql, id: &str) -> Result<Option<U>> {
    let query = stmt!(
        format!("SELECT {} FROM users WHERE id = ?1", U::COLUMNS),
        id
    );
    sql.row(&query)
}

/// The user with this email, by its keyed hash under any lookup key.
pub fn user_by_email<U: UserColumns>(sql: &impl Sql, email_keys: &[[u8; 32]]) -> Result<Option<U>> {
    let values = email_keys.iter().map(|key| blob(key)).collect();
    let query = Statement::new(
        format!(
            "SELECT {} FROM users WHERE email_key IN ({}) LIMIT 1",
            U::COLUMNS,
            placeholders(1, email_keys.len())
        ),
        values,
    );
    sql.row(&query)
}

/// Whether an email (by its keyed hash under any lookup key) is taken.
pub fn email_taken(sql: &impl Sql, email_keys: &[[u8; 32]]) -> Result<bool> {
    let values = email_keys.iter().map(|key| blob(key)).collect();
    let query = Statement::new(
        format!(
            "SELECT count(*) AS count FROM users WHERE email_key IN ({})",
            placeholders(1, email_keys.len())
        ),
        values,
    );
    Ok(sql.row::<Count>(&query)?.is_some_and(|row| row.count > 0))
}

/// `?first, …` for `count` values (`NULL` for none, which matches nothing).
fn placeholders(first: usize, count: usize) -> String {
    if count == 0 {
        return "NULL".into();
    }
    (first..first + count)
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A page of users, oldest first: the rows, the cursor after them if more follow, and the
/// total. After a cursor the page is one seek in `users_by_creation`.
pub fn users(sql: &impl Sql, page: &PageRequest) -> Result<(Vec<StoredUser>, Option<String>, u64)> {
    let limit = page.per_page + 1;
    let query = match &page.starting_after {
        Some(cursor) => {
            let (created_at, id) = cursor::parse_user(cursor)?;
            stmt!(
                format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE (created_at, id) > (?1, ?2) \
                     ORDER BY created_at, id LIMIT ?3"
                ),
                created_at,
                id,
                limit
            )
        }
        None => stmt!(
            format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id LIMIT ?1 OFFSET ?2"),
            limit,
            page.offset()
        ),
    };
    let mut rows: Vec<StoredUser> = sql.rows(&query)?;
    let next = cursor::end_page(&mut rows, page.per_page, |row| {
        cursor::user(row.created_at, &row.id)
    });
    Ok((rows, next, counter(sql, "users")?))
}

/// An email's lookup hash and the id of the key that made it.
pub type EmailKey<'a> = (&'a [u8; 32], &'a str);

/// Inserts a user whose profile is sealed as `profile`.
pub fn insert_user(id: &str, profile: &[u8], email: EmailKey<'_>, created_at: u64) -> Statement {
    stmt!(
        "INSERT INTO users (id, email, email_key, email_key_id, profile, profile_key_id, \
           created_at) VALUES (?1, '', ?2, ?3, ?4, ?5, ?6)",
        id,
        blob(email.0),
        email.1,
        blob(profile),
        sealed_key_id(profile).unwrap_or_default(),
        created_at
    )
}

/// Writes a user's sealed profile and email hash in place; the clear columns of schema
/// version 1 are emptied.
pub fn update_user(id: &str, profile: &[u8], email: EmailKey<'_>) -> Statement {
    stmt!(
        "UPDATE users SET profile = ?2, profile_key_id = ?3, email_key = ?4, email_key_id = ?5, \
         email = '', given_name = NULL, family_name = NULL, phone_number = NULL WHERE id = ?1",
        id,
        blob(profile),
        sealed_key_id(profile).unwrap_or_default(),
        blob(email.0),
        email.1
    )
}

/// Deletes a user's row (its factor goes with [`delete_factor`]).
pub fn delete_user(id: &str) -> Statement {
    stmt!("DELETE FROM users WHERE id = ?1", id)
}

/// Up to `limit` users whose profile is sealed under another key than `key_id`, or whose email
/// is hashed under another lookup key than `email_key_id`.
pub fn users_sealed_under_other_keys(
    sql: &impl Sql,
    key_id: &str,
    email_key_id: &str,
    limit: u32,
) -> Result<Vec<StoredUser>> {
    let query = stmt!(
        format!(
            "SELECT {USER_COLUMNS} FROM users WHERE profile IS NOT NULL \
             AND (profile_key_id != ?1 OR email_key_id != ?2) LIMIT ?3"
        ),
        key_id,
        email_key_id,
        limit
    );
    sql.rows(&query)
}

/// A row written before schema version 4, with its personal fields in clear.
#[derive(Deserialize)]
pub struct LegacyUser {
    /// The user's id.
    pub id: String,
    /// The clear fields.
    #[serde(flatten)]
    pub record: ProfileRecord,
}

/// The rows whose profile is not sealed yet.
pub fn legacy_profiles(sql: &impl Sql) -> Result<Vec<LegacyUser>> {
    let query = stmt!(
        "SELECT id, email, given_name, family_name, phone_number FROM users WHERE profile IS NULL"
    );
    sql.rows(&query)
}
