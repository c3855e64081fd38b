//! Trusted devices ("remember this device"): a challenge validated with a factor's code may
//! leave a device token, 256 random bits shown once and kept only as a keyed hash bound to the
//! user, trusted for the connection's `trusted_device_days`. A later sign-in verifies the token
//! instead of asking for a code. Every device of a user is revoked when a factor is removed or
//! replaced, on a forced enrollment, when a recovery code is used and when the user is
//! deleted. A verification that fails (unknown, revoked or expired token) counts against a
//! limit of its own, never the user's lockout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Record, Result};
use crate::new_id;
use crate::sql::{Sql, Statement};
use crate::validate;

use super::audit::AuditKind;
use super::store::TrustedDevice;
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::json;

/// Trusted devices a user keeps at most; remembering one more forgets the oldest.
pub const MAX_DEVICES: u32 = 10;

/// The longest device name, in characters.
pub const MAX_DEVICE_NAME: usize = 64;

/// The longest token a verification looks up; a longer one is refused as malformed.
const MAX_TOKEN: usize = 128;

const DAY: u64 = 24 * 60 * 60;

/// Whether to remember the device a challenge is answered from, as received.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RememberDevice {
    /// Remember it if a factor's code is accepted and trusted devices are on.
    #[serde(default)]
    pub remember_device: bool,
    /// What the integrator calls it ("Chrome on macOS"), up to 64 characters; checked even
    /// when not remembering.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// A device name as received, checked: blank for none.
pub(super) fn device_name(name: Option<&str>) -> Result<Option<String>> {
    validate::optional_text("device_name", name, MAX_DEVICE_NAME)
}

/// A device remembered in the validation's transaction.
pub(super) struct NewDevice {
    pub token: String,
    pub id: String,
    pub expires_at: u64,
    pub writes: Vec<Statement>,
}

/// The answer to a verification.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceVerification {
    /// The token names a device of this user that is still trusted.
    pub trusted: bool,
    /// The last second (Unix seconds) the device is trusted; null when not trusted.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub expires_at: Option<u64>,
    /// The device's id; null when not trusted.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub device_id: Option<String>,
}

impl<S: Sql> OrgService<'_, S> {
    /// A new device of `user_id`, trusted for `days`: its token and the writes that remember
    /// it (forgetting the user's expired devices, and the oldest beyond [`MAX_DEVICES`]).
    pub(super) fn new_device(
        &self,
        user_id: &str,
        name: Option<String>,
        days: u32,
    ) -> Result<NewDevice> {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(Error::internal)?;
        let token = URL_SAFE_NO_PAD.encode(bytes.as_ref());
        let device = TrustedDevice {
            id: new_id()?,
            user_id: user_id.to_owned(),
            name,
            created_at: self.now,
            expires_at: self.now.saturating_add(u64::from(days) * DAY),
            last_used_at: None,
        };
        let writes = vec![
            store::delete_expired_devices(user_id, self.now),
            store::keep_newest_devices(user_id, MAX_DEVICES - 1),
            store::insert_device(&device, &self.keys.device_token_hash(user_id, &token)),
            self.audit(
                AuditKind::TrustedDeviceCreated,
                Some(user_id),
                Some(format!("device {}", device.id)),
            ),
            self.notify(
                EventType::TrustedDeviceCreated,
                Some(user_id),
                data([
                    ("device_id", json!(device.id)),
                    ("expires_at", json!(device.expires_at)),
                ]),
            )?,
        ];
        Ok(NewDevice {
            token,
            id: device.id,
            expires_at: device.expires_at,
            writes,
        })
    }

    /// Whether `token` names a trusted device of the user; a success records its use.
    /// After [`crate::guard::MAX_DEVICE_FAILURES`] failures in a window every verification of
    /// the user is refused (429) until the window ends, so tokens cannot be tried at length.
    pub fn verify_device(
        &self,
        user_id: &str,
        token: Option<String>,
    ) -> Result<DeviceVerification> {
        let token = token.ok_or_else(|| Error::invalid("device_token", "is required"))?;
        if token.is_empty() || token.chars().count() > MAX_TOKEN {
            return Err(Error::invalid(
                "device_token",
                format!("must be 1 to {MAX_TOKEN} characters"),
            ));
        }
        let user = self.user_id(user_id)?;
        let mut guard = store::guard(self.sql, &user)?;
        guard.check_device_verification(self.now).map_err(|until| {
            Error::DeviceVerificationLimit {
                retry_after: until.saturating_sub(self.now).max(1),
            }
        })?;
        let hash = self.keys.device_token_hash(&user, &token);
        let device = store::device_by_token(self.sql, &user, &hash)?
            .filter(|device| device.expires_at >= self.now);
        let mut writes = Vec::new();
        match &device {
            Some(device) => writes.push(store::touch_device(&device.id, self.now)),
            None => guard.fail_device_verification(),
        }
        writes.push(store::save_guard(&user, &guard));
        self.sql.commit(writes)?;
        Ok(DeviceVerification {
            trusted: device.is_some(),
            expires_at: device.as_ref().map(|device| device.expires_at),
            device_id: device.map(|device| device.id),
        })
    }

    /// The user's devices still trusted, oldest first; never a token.
    pub fn trusted_devices(&self, user_id: &str) -> Result<Vec<TrustedDevice>> {
        let user = self.user_id(user_id)?;
        store::devices(self.sql, &user, self.now)
    }

    /// Revokes one trusted device of the user.
    pub fn revoke_device(&self, user_id: &str, device_id: &str) -> Result<()> {
        let user = self.user_id(user_id)?;
        let known = store::devices(self.sql, &user, self.now)?
            .iter()
            .any(|device| device.id == device_id);
        if !known {
            return Err(Error::NotFound(Record::TrustedDevice));
        }
        self.sql.commit(vec![
            store::delete_device(&user, device_id),
            self.audit(
                AuditKind::TrustedDevicesRevoked,
                Some(&user),
                Some(format!("device {device_id}")),
            ),
            self.notify(
                EventType::TrustedDevicesRevoked,
                Some(&user),
                data([("device_id", json!(device_id)), ("all", json!(false))]),
            )?,
        ])
    }

    /// Revokes every trusted device of the user.
    pub fn revoke_devices(&self, user_id: &str) -> Result<()> {
        let user = self.user_id(user_id)?;
        self.sql.commit(vec![
            store::delete_devices(&user),
            self.audit(
                AuditKind::TrustedDevicesRevoked,
                Some(&user),
                Some("all".into()),
            ),
            self.notify(
                EventType::TrustedDevicesRevoked,
                Some(&user),
                data([("all", json!(true))]),
            )?,
        ])
    }
}
