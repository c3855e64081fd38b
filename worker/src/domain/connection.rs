//! The organization's TOTP connection: read and update, never delete.

use otp_core::{Algorithm, Digits};

use super::error::{Error, Result};
use super::model::{Connection, Method, Organization};
use super::store::Store;
use super::{Clock, Service, validate};

/// Fields to change, as received; absent ones keep their value.
#[derive(Debug, Default)]
pub struct ConnectionUpdate {
    /// Enables or disables enrollments and challenges.
    pub active: Option<bool>,
    /// `totp_app` or `sms`.
    pub method: Option<String>,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: Option<String>,
    /// 6, 7 or 8.
    pub digits: Option<u64>,
    /// 15 to 300 seconds.
    pub period: Option<u64>,
    /// 0 to 10 steps.
    pub skew: Option<u64>,
    /// Shown in authenticator apps.
    pub issuer: Option<String>,
    /// 1 to 20 failures before backoff.
    pub max_attempts: Option<u64>,
}

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

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// The organization's connection.
    pub async fn connection(&self, organization: &Organization) -> Result<Connection> {
        self.store
            .connection(&organization.id)
            .await?
            .ok_or_else(|| Error::internal("organization without a TOTP connection"))
    }

    /// Applies an update, all fields checked before anything is written.
    pub async fn update_connection(
        &self,
        organization: &Organization,
        update: ConnectionUpdate,
    ) -> Result<Connection> {
        let mut connection = self.connection(organization).await?;
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
            connection.period = in_range("period", period, 15..=300)?;
        }
        if let Some(skew) = update.skew {
            connection.skew = in_range("skew", skew, 0..=10)? as u8;
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
        connection.updated_at = self.clock.now();
        self.store.update_connection(&connection).await?;
        let state = if connection.active {
            "active"
        } else {
            "inactive"
        };
        self.audit(
            organization,
            "connection.updated",
            None,
            Some(format!("{state}, method {}", connection.method.as_str())),
        )
        .await?;
        Ok(connection)
    }
}
