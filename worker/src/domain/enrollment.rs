//! Enrollment: a new secret (sealed), five recovery codes, and validation by a first code.

use otp_core::{OtpauthUri, Secret, Totp, recovery};
use serde::Serialize;

use super::challenges::{AttemptKind, ValidationResult};
use super::error::{Error, Result};
use super::model::{Connection, Factor, FactorStatus, Method, Organization};
use super::store::{EnrollOutcome, Enrollment, RECOVERY_CODES, Store};
use super::{Clock, Service};

/// Enrollments allowed without `force_enroll`: the first one and five re-enrollments.
pub const MAX_ENROLLMENTS: u32 = 6;

/// What the customer shows the user after an enrollment.
#[derive(Debug, Serialize)]
pub struct EnrollmentCreated {
    /// The user's id.
    pub user_id: String,
    /// Always `pending` until validated.
    pub status: FactorStatus,
    /// `totp_app` or `sms`.
    pub method: Method,
    /// For the app method: the key URI to draw as a QR code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<String>,
    /// For the app method: the secret in base32, for manual entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// For the SMS method: the code to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For the SMS method: Unix seconds after which the code is refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Five single-use codes joined by `\n`, when new ones were issued (first or forced
    /// enrollment); `null` when the earlier ones remain valid.
    pub recovery_codes: Option<String>,
    /// Unused recovery codes.
    pub recovery_codes_remaining: u32,
}

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Enrolls a user with a fresh secret. Failures and lockout carry over unless `force`.
    pub async fn enroll(
        &self,
        organization: &Organization,
        user_id: &str,
        force: bool,
    ) -> Result<EnrollmentCreated> {
        let connection = self.active_connection(organization).await?;
        let user = self.user(organization, user_id).await?;
        let existing = self.store.factor(&user.id).await?;
        let secret = Secret::generate().map_err(Error::internal)?;

        let mut recovery_codes = Vec::new();
        if force || existing.is_none() {
            for _ in 0..RECOVERY_CODES {
                recovery_codes.push(recovery::generate().map_err(Error::internal)?);
            }
        }
        let recovery_hashes = (!recovery_codes.is_empty()).then(|| {
            recovery_codes
                .iter()
                .filter_map(|code| self.keys.recovery_hash(code))
                .collect()
        });

        let factor = Factor {
            user_id: user.id.clone(),
            generation: 1,
            status: FactorStatus::Pending,
            method: connection.method,
            sealed_secret: self.keys.seal(&secret, &user.id)?,
            algorithm: connection.algorithm,
            digits: connection.digits,
            period: connection.period,
            last_step: None,
            failures: 0,
            locked_until: 0,
            enrollments: 1,
            recovery_used_at: None,
            reenrollment_required: false,
        };
        let enrollment = Enrollment {
            factor,
            recovery_hashes,
            force,
            max_enrollments: MAX_ENROLLMENTS,
        };
        if self.store.enroll(&enrollment).await? == EnrollOutcome::LimitReached {
            return Err(Error::Forbidden(format!(
                "the user has enrolled {MAX_ENROLLMENTS} times; verify the user and set force_enroll"
            )));
        }
        let detail = if force { "forced" } else { "standard" };
        self.audit(
            organization,
            "enrollment.created",
            Some(&user.id),
            Some(detail.into()),
        )
        .await?;

        let totp = totp(&secret, &connection)?;
        let now = self.clock.now();
        let mut created = EnrollmentCreated {
            user_id: user.id.clone(),
            status: FactorStatus::Pending,
            method: connection.method,
            otpauth_uri: None,
            secret: None,
            code: None,
            expires_at: None,
            recovery_codes: (!recovery_codes.is_empty()).then(|| {
                recovery_codes
                    .iter()
                    .map(|code| code.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            recovery_codes_remaining: self.store.recovery_codes_left(&user.id).await?,
        };
        match connection.method {
            Method::TotpApp => {
                let uri = OtpauthUri::new(
                    Some(&connection.issuer),
                    &user.profile.email,
                    secret.clone(),
                )
                .and_then(|uri| {
                    uri.with_parameters(connection.algorithm, connection.digits, connection.period)
                })
                .map_err(Error::internal)?;
                created.otpauth_uri = Some(uri.to_uri().to_string());
                created.secret = Some(secret.to_base32().to_string());
            }
            Method::Sms => {
                created.code = Some(totp.generate(now).as_str().to_owned());
                created.expires_at = Some(code_expiry(&totp, now, connection.skew));
            }
        }
        Ok(created)
    }

    /// Validates a pending enrollment with a first code; a wrong code counts as a failure.
    pub async fn validate_enrollment(
        &self,
        organization: &Organization,
        user_id: &str,
        code: &str,
    ) -> Result<ValidationResult> {
        let connection = self.active_connection(organization).await?;
        let user = self.user(organization, user_id).await?;
        let factor = self
            .store
            .factor(&user.id)
            .await?
            .ok_or(Error::NotFound("the user is not enrolled"))?;
        if factor.status != FactorStatus::Pending {
            return Err(Error::Conflict(
                "the enrollment is already validated".into(),
            ));
        }
        let result = self
            .attempt(
                organization,
                &connection,
                &factor,
                code,
                AttemptKind::Enrollment,
            )
            .await?;
        if result.success {
            self.audit(organization, "enrollment.validated", Some(&user.id), None)
                .await?;
        }
        Ok(result)
    }

    /// The connection, if active.
    pub(super) async fn active_connection(
        &self,
        organization: &Organization,
    ) -> Result<Connection> {
        let connection = self.connection(organization).await?;
        if !connection.active {
            return Err(Error::Conflict(
                "the TOTP connection of this organization is not active".into(),
            ));
        }
        Ok(connection)
    }
}

pub(super) fn totp(secret: &Secret, connection: &Connection) -> Result<Totp> {
    Totp::new(
        secret,
        connection.algorithm,
        connection.digits,
        connection.period,
    )
    .map_err(Error::internal)
}

/// The last second at which a code generated at `now` is still accepted.
pub(super) fn code_expiry(totp: &Totp, now: u64, skew: u8) -> u64 {
    (totp.step(now) + 1 + u64::from(skew)) * totp.period() - 1
}
