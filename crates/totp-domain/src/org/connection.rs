//! The organization's TOTP connection: read and update, never delete.

use otp_core::{Algorithm, Digits};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Connection, Enforcement, Method, Organization};
use crate::sql::Sql;
use crate::validate;

use super::audit::AuditKind;
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::json;

/// Fields to change, as received; absent ones keep their value.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ConnectionUpdate {
    /// Enables or disables enrollments and challenges.
    pub active: Option<bool>,
    /// `totp_app` or `sms`.
    pub method: Option<String>,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: Option<String>,
    /// 6, 7 or 8.
    pub digits: Option<u64>,
    /// Seconds, within [`PERIODS`].
    pub period: Option<u64>,
    /// Steps either side, within [`SKEWS`].
    pub skew: Option<u64>,
    /// Shown in authenticator apps.
    pub issuer: Option<String>,
    /// 1 to 20 failures before backoff.
    pub max_attempts: Option<u64>,
    /// `optional` or `required`.
    pub enforcement: Option<String>,
    /// Days, within [`GRACE_DAYS`].
    pub enrollment_grace_days: Option<u64>,
    /// Days, within [`TRUSTED_DEVICE_DAYS`]; 0 turns trusted devices off.
    pub trusted_device_days: Option<u64>,
    /// Days, within [`AUDIT_RETENTION_DAYS`].
    pub audit_retention_days: Option<u64>,
}

/// How long the audit trail may keep its events: a month to ten years.
pub const AUDIT_RETENTION_DAYS: std::ops::RangeInclusive<u64> = 30..=3650;

/// The grace period a required policy may give users to enroll.
pub const GRACE_DAYS: std::ops::RangeInclusive<u64> = 0..=90;

/// How long a remembered device may stay trusted.
pub const TRUSTED_DEVICE_DAYS: std::ops::RangeInclusive<u64> = 0..=90;

/// Periods authenticator apps use: 30 s almost everywhere, 60 s on some tokens, 15 s at most
/// as short; longer periods only keep a guessed code valid longer.
pub const PERIODS: std::ops::RangeInclusive<u64> = 15..=60;

/// At most one step either side (RFC 6238, section 5.2, recommends at most one step of delay):
/// three codes per guess, each accepted for at most three minutes.
pub const SKEWS: std::ops::RangeInclusive<u64> = 0..=1;

fn in_range(field: &'static str, value: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

impl<S: Sql> OrgService<'_, S> {
    /// The organization's connection.
    pub fn connection(&self) -> Result<Connection> {
        store::connection(self.sql)?
            .ok_or_else(|| Error::internal("organization without a TOTP connection"))
    }

    /// Applies an update, all fields checked before anything is written.
    pub fn update_connection(&self, update: ConnectionUpdate) -> Result<Connection> {
        let mut connection = self.connection()?;
        if let Some(active) = update.active {
            connection.active = active;
        }
        if let Some(method) = update.method {
            connection.method = Method::parse(&method)
                .ok_or_else(|| Error::invalid("method", "must be totp_app or sms"))?;
        }
        if let Some(algorithm) = update.algorithm {
            connection.algorithm = algorithm
                .parse::<Algorithm>()
                .map_err(|_| Error::invalid("algorithm", "must be SHA1, SHA256 or SHA512"))?;
        }
        if let Some(digits) = update.digits {
            connection.digits = u32::try_from(digits)
                .ok()
                .and_then(|digits| Digits::try_from(digits).ok())
                .ok_or_else(|| Error::invalid("digits", "must be 6, 7 or 8"))?;
        }
        if let Some(period) = update.period {
            connection.period = in_range("period", period, PERIODS)?;
        }
        if let Some(skew) = update.skew {
            connection.skew = in_range("skew", skew, SKEWS)? as u8;
        }
        if let Some(issuer) = update.issuer {
            let issuer = validate::text("issuer", &issuer, 64)?;
            if issuer.contains(':') {
                return Err(Error::invalid("issuer", "must not contain a colon"));
            }
            connection.issuer = issuer;
        }
        if let Some(max_attempts) = update.max_attempts {
            connection.max_attempts = in_range("max_attempts", max_attempts, 1..=20)? as u32;
        }
        let policy_before = (connection.enforcement, connection.enrollment_grace_days);
        if let Some(enforcement) = update.enforcement {
            let enforcement = Enforcement::parse(&enforcement)
                .ok_or_else(|| Error::invalid("enforcement", "must be optional or required"))?;
            // The grace period runs from when the policy became required.
            connection.required_since = match (connection.enforcement, enforcement) {
                (_, Enforcement::Optional) => None,
                (Enforcement::Optional, Enforcement::Required) => Some(self.now),
                (Enforcement::Required, Enforcement::Required) => connection.required_since,
            };
            connection.enforcement = enforcement;
        }
        if let Some(days) = update.enrollment_grace_days {
            connection.enrollment_grace_days =
                in_range("enrollment_grace_days", days, GRACE_DAYS)? as u32;
        }
        if let Some(days) = update.trusted_device_days {
            connection.trusted_device_days =
                in_range("trusted_device_days", days, TRUSTED_DEVICE_DAYS)? as u32;
        }
        if let Some(days) = update.audit_retention_days {
            connection.audit_retention_days =
                in_range("audit_retention_days", days, AUDIT_RETENTION_DAYS)? as u32;
        }
        connection.updated_at = self.now;
        let state = if connection.active {
            "active"
        } else {
            "inactive"
        };
        let detail = format!("{state}, method {}", connection.method.as_str());
        let changed = data([
            ("active", json!(connection.active)),
            ("method", json!(connection.method.as_str())),
        ]);
        let mut writes = vec![
            store::save_connection(&connection),
            self.audit(AuditKind::ConnectionUpdated, None, Some(detail)),
            self.notify(EventType::ConnectionUpdated, None, changed)?,
        ];
        if policy_before != (connection.enforcement, connection.enrollment_grace_days) {
            let detail = format!(
                "enforcement {}, grace {} days",
                connection.enforcement.as_str(),
                connection.enrollment_grace_days
            );
            writes.push(self.audit(AuditKind::PolicyUpdated, None, Some(detail)));
            let policy = data([
                ("enforcement", json!(connection.enforcement.as_str())),
                (
                    "enrollment_grace_days",
                    json!(connection.enrollment_grace_days),
                ),
            ]);
            writes.push(self.notify(EventType::MfaPolicyUpdated, None, policy)?);
        }
        self.sql.commit(writes)?;
        Ok(connection)
    }
}

/// The connection an organization starts with: inactive, SHA-1, 6 digits, 30 s, one step of
/// skew, five free attempts, its name as the issuer, MFA optional, no trusted devices.
pub(super) fn default_connection(organization: &Organization, now: u64) -> Connection {
    Connection {
        active: false,
        method: Method::TotpApp,
        algorithm: Algorithm::Sha1,
        digits: Digits::Six,
        period: 30,
        skew: 1,
        issuer: organization.name.replace(':', " "),
        max_attempts: 5,
        enforcement: Enforcement::Optional,
        enrollment_grace_days: 0,
        required_since: None,
        trusted_device_days: 0,
        audit_retention_days: 400,
        updated_at: now,
    }
}
