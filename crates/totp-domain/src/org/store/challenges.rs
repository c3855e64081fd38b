//! Challenges: the user's open one per purpose, with an SMS code's keyed hash.

use serde::Deserialize;

use crate::error::Result;
use crate::sql::{Sql, Statement, blob, unblob};
use crate::stmt;

/// What a challenge row is for: answering a challenge, or proving an SMS enrollment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `POST totp-challenge`.
    Challenge,
    /// The code an SMS enrollment sends.
    Enrollment,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Challenge => "challenge",
            Self::Enrollment => "enrollment",
        }
    }
}

/// A challenge to record: the user's open one for its purpose from now on.
pub struct NewChallenge<'a> {
    /// Its id.
    pub id: &'a str,
    /// The user's id.
    pub user_id: &'a str,
    /// What it is for.
    pub purpose: Purpose,
    /// Unix seconds.
    pub created_at: u64,
    /// The last second its code is accepted.
    pub expires_at: u64,
    /// The keyed hash of its SMS code; `None` for an app's challenge.
    pub code_hash: Option<[u8; 32]>,
}

/// Records a challenge, superseding the user's earlier ones of the same purpose.
pub fn open_challenge(c: &NewChallenge<'_>) -> Vec<Statement> {
    vec![
        close_challenges(c.user_id, c.purpose),
        stmt!(
            "INSERT INTO challenges (id, user_id, purpose, created_at, expires_at, code_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            c.id,
            c.user_id,
            c.purpose.as_str(),
            c.created_at,
            c.expires_at,
            c.code_hash.as_ref().map(|hash| blob(hash))
        ),
    ]
}

/// Closes the user's challenges of this purpose: their codes stop working.
pub fn close_challenges(user_id: &str, purpose: Purpose) -> Statement {
    stmt!(
        "DELETE FROM challenges WHERE user_id = ?1 AND purpose = ?2",
        user_id,
        purpose.as_str()
    )
}

/// The open challenge of the user for this purpose whose SMS code is still accepted at `now`.
pub struct OpenCode {
    /// The challenge's id.
    pub id: String,
    /// The keyed hash of its code.
    pub code_hash: Vec<u8>,
}

#[derive(Deserialize)]
struct OpenCodeRow {
    id: String,
    code_hash: String,
}

/// The user's open SMS code for this purpose, unless it has expired at `now`.
pub fn open_code(
    sql: &impl Sql,
    user_id: &str,
    purpose: Purpose,
    now: u64,
) -> Result<Option<OpenCode>> {
    let query = stmt!(
        "SELECT id, code_hash FROM challenges \
         WHERE user_id = ?1 AND purpose = ?2 AND expires_at >= ?3 AND code_hash IS NOT NULL",
        user_id,
        purpose.as_str(),
        now
    );
    sql.row::<OpenCodeRow>(&query)?
        .map(|row| {
            Ok(OpenCode {
                id: row.id,
                code_hash: unblob(&row.code_hash)?,
            })
        })
        .transpose()
}
