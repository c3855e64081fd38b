//! Trusted devices: each kept as the keyed hash of its token, with its expiry.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::sql::{Sql, Statement, blob};
use crate::stmt;

/// A trusted device as stored and answered: never its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrustedDevice {
    /// Identifier.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// What the integrator named it, if anything.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// The last second it is trusted.
    pub expires_at: u64,
    /// Unix seconds of the last successful verification.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<u64>,
}

const COLUMNS: &str = "id, user_id, name, created_at, expires_at, last_used_at";

/// Records a trusted device under the keyed hash of its token.
pub fn insert_device(device: &TrustedDevice, token_hash: &[u8]) -> Statement {
    stmt!(
        format!(
            "INSERT INTO trusted_devices ({COLUMNS}, token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ),
        &device.id,
        &device.user_id,
        device.name.as_deref(),
        device.created_at,
        device.expires_at,
        device.last_used_at,
        blob(token_hash)
    )
}

/// The user's devices still trusted at `now`, oldest first.
pub fn devices(sql: &impl Sql, user_id: &str, now: u64) -> Result<Vec<TrustedDevice>> {
    let query = stmt!(
        format!(
            "SELECT {COLUMNS} FROM trusted_devices WHERE user_id = ?1 AND expires_at >= ?2 \
             ORDER BY created_at, rowid"
        ),
        user_id,
        now
    );
    sql.rows(&query)
}

/// The user's device with this token hash, trusted or expired.
pub fn device_by_token(
    sql: &impl Sql,
    user_id: &str,
    token_hash: &[u8],
) -> Result<Option<TrustedDevice>> {
    let query = stmt!(
        format!("SELECT {COLUMNS} FROM trusted_devices WHERE user_id = ?1 AND token_hash = ?2"),
        user_id,
        blob(token_hash)
    );
    sql.row(&query)
}

/// Records a successful verification.
pub fn touch_device(device_id: &str, now: u64) -> Statement {
    stmt!(
        "UPDATE trusted_devices SET last_used_at = ?2 WHERE id = ?1",
        device_id,
        now
    )
}

/// Revokes one of the user's devices.
pub fn delete_device(user_id: &str, device_id: &str) -> Statement {
    stmt!(
        "DELETE FROM trusted_devices WHERE id = ?1 AND user_id = ?2",
        device_id,
        user_id
    )
}

/// Revokes every device of the user.
pub fn delete_devices(user_id: &str) -> Statement {
    stmt!("DELETE FROM trusted_devices WHERE user_id = ?1", user_id)
}

/// Forgets all but the user's `keep` newest devices.
pub fn keep_newest_devices(user_id: &str, keep: u32) -> Statement {
    stmt!(
        "DELETE FROM trusted_devices WHERE id IN (SELECT id FROM trusted_devices \
         WHERE user_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?2)",
        user_id,
        keep
    )
}

/// Forgets the user's devices that expired before `now`.
pub fn delete_expired_devices(user_id: &str, now: u64) -> Statement {
    stmt!(
        "DELETE FROM trusted_devices WHERE user_id = ?1 AND expires_at < ?2",
        user_id,
        now
    )
}
