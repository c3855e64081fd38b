//! Enrollment: a new secret (sealed), five recovery codes, and validation by a first code. A
//! re-enrollment of an active factor waits beside it until that first code; `add_factor`
//! enrolls another named factor beside the user's others.

use otp_core::{OtpauthUri, Secret};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::factor::{self, Enrollment, Factor, FactorStatus, MAX_FACTORS};
use crate::guard::EnrollmentLimit;
use crate::model::Method;
use crate::new_id;
use crate::sql::Sql;

use super::attempt::{AttemptKind, ValidationResult};
use super::audit::AuditKind;
use super::factors::friendly_name;
use super::recovery_codes::RECOVERY_CODES;
use super::store::{AnswerKind, Purpose};
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::json;

/// What the customer shows the user after an enrollment.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Enrollment))]
pub struct EnrollmentCreated {
    /// The user's id.
    pub user_id: String,
    /// The factor enrolled: a new one (first enrollment, `add_factor`) or the one renewed.
    pub factor_id: String,
    /// The factor's name.
    pub friendly_name: String,
    /// Always `pending` until validated.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::pending))]
    pub status: FactorStatus,
    /// `totp_app` or `sms`.
    pub method: Method,
    /// App method: the key URI to draw as a QR code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub otpauth_uri: Option<String>,
    /// App method: base32 secret for manual entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub secret: Option<String>,
    /// SMS method: the code to send, a random one of its own, accepted once until expires_at.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub code: Option<String>,
    /// SMS method: the last second (Unix seconds) the code is accepted (5 minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub expires_at: Option<u64>,
    /// Five single-use codes joined by `\n`, when new ones were issued (first or forced
    /// enrollment); `null` when the earlier ones remain valid.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub recovery_codes: Option<String>,
    /// Unused recovery codes.
    pub recovery_codes_remaining: u32,
}

/// How to enroll, as received.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct EnrollOptions {
    /// Replace the user's factors at once with a new one (a human verified the user).
    #[serde(default)]
    pub force: bool,
    /// Enroll a new factor beside the user's others instead of renewing the first one.
    #[serde(default)]
    pub add_factor: bool,
    /// The factor's name (1 to 64 characters); by default named after its method.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

impl<S: Sql> OrgService<'_, S> {
    /// Enrolls a user with a fresh secret. An active factor keeps working until the new secret
    /// is validated, unless `force`, which replaces it at once and clears failures and lockout.
    pub fn enroll(&self, user_id: &str, force: bool) -> Result<EnrollmentCreated> {
        let options = EnrollOptions {
            force,
            ..EnrollOptions::default()
        };
        self.enroll_with(user_id, options)
    }

    /// Enrolls a user. Without `add_factor`, as [`Self::enroll`] does with the user's first
    /// factor (a forced enrollment also removes the others). With it, a new pending factor
    /// beside the others, up to [`MAX_FACTORS`]; the user's recovery codes stay.
    pub fn enroll_with(&self, user_id: &str, options: EnrollOptions) -> Result<EnrollmentCreated> {
        let EnrollOptions {
            force,
            add_factor,
            friendly_name: name,
        } = options;
        if force && add_factor {
            return Err(Error::invalid(
                "add_factor",
                "cannot be combined with force_enroll, which replaces the user's factors",
            ));
        }
        let name = name.map(|name| friendly_name(&name)).transpose()?;
        let connection = self.active_connection()?;
        let user = self.user(user_id)?;
        let factors = store::factors(self.sql, &user.id)?;
        let first = factors.is_empty();
        if add_factor && !first {
            if connection.method == Method::Sms {
                return Err(Error::invalid(
                    "add_factor",
                    "needs the totp_app method: SMS codes go to the user's one phone number",
                ));
            }
            if factors.len() >= MAX_FACTORS {
                return Err(Error::FactorLimit);
            }
        }
        let secret = Secret::generate().map_err(Error::internal)?;
        let enrollment = Enrollment {
            method: connection.method,
            sealed_secret: self.keys.seal(&secret, &user.id)?,
            algorithm: connection.algorithm,
            digits: connection.digits,
            period: connection.period,
        };
        let mut guard = store::guard(self.sql, &user.id)?;
        guard
            .enroll(force)
            .map_err(|EnrollmentLimit| Error::EnrollmentLimit)?;

        let mut writes = vec![store::save_guard(&user.id, &guard)];
        let factor = match factors.into_iter().next() {
            Some(mut renewed) if !add_factor => {
                renewed.reenroll(enrollment, force, self.now);
                renewed.friendly_name = name.unwrap_or(renewed.friendly_name);
                if force {
                    // A forced enrollment leaves the user one factor, the new one, and no
                    // trusted device.
                    writes.extend(store::delete_factors(&user.id));
                    writes.push(store::delete_devices(&user.id));
                }
                renewed
            }
            _ => {
                let name = name.unwrap_or_else(|| factor::default_name(connection.method).into());
                Factor::new(new_id()?, &user.id, name, enrollment, self.now)
            }
        };
        writes.push(store::save_factor(&factor));
        let recovery_codes = if first || force {
            let set = self.recovery_set(&user.id)?;
            writes.extend(set.writes);
            Some(set.codes)
        } else {
            None
        };
        // The pending secret an earlier answer held is replaced; a forced enrollment also
        // closes the old factor's challenge, so a code sent for it dies with it.
        if force {
            writes.push(store::close_challenges(&user.id, Purpose::Challenge));
            writes.push(store::forget_answers(
                &user.id,
                &[AnswerKind::Enrollment, AnswerKind::Challenge],
            ));
        } else {
            writes.push(store::forget_answers(&user.id, &[AnswerKind::Enrollment]));
        }
        let mut created = EnrollmentCreated {
            user_id: user.id.clone(),
            factor_id: factor.id.clone(),
            friendly_name: factor.friendly_name.clone(),
            status: FactorStatus::Pending,
            method: connection.method,
            otpauth_uri: None,
            secret: None,
            code: None,
            expires_at: None,
            recovery_codes,
            recovery_codes_remaining: if first || force {
                RECOVERY_CODES as u32
            } else {
                store::recovery_codes_left(self.sql, &user.id)?
            },
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
                let issued = self.issue_sms_code(
                    &new_id()?,
                    &user.id,
                    Purpose::Enrollment,
                    connection.digits,
                )?;
                created.code = Some(issued.code.to_string());
                created.expires_at = Some(issued.expires_at);
                writes.extend(issued.writes);
            }
        }
        let detail = match (force, add_factor) {
            (true, _) => "forced",
            (false, true) => "added",
            (false, false) => "standard",
        };
        writes.push(self.audit(
            AuditKind::EnrollmentCreated,
            Some(&user.id),
            Some(format!("{detail}, factor {}", factor.id)),
        ));
        let enrolled = data([
            ("factor_id", json!(factor.id)),
            ("method", json!(connection.method.as_str())),
            ("forced", json!(force)),
        ]);
        writes.push(self.notify(EventType::FactorEnrolled, Some(&user.id), enrolled)?);
        self.sql.commit(writes)?;
        Ok(created)
    }

    /// Validates a pending enrollment with a first code, checked against every factor of the
    /// user awaiting one; a wrong code counts as a failure. A pending secret beside an active
    /// one replaces it when validated.
    pub fn validate_enrollment(&self, user_id: &str, code: &str) -> Result<ValidationResult> {
        let connection = self.active_connection()?;
        let user = self.user_id(user_id)?;
        let factors = store::factors(self.sql, &user)?;
        if factors.is_empty() {
            return Err(Error::NotEnrolled);
        }
        if !factors.iter().any(Factor::is_enrolling) {
            return Err(Error::AlreadyValidated);
        }
        self.attempt(
            &connection,
            &user,
            factors,
            code,
            AttemptKind::Enrollment,
            Box::new(|_| Ok(Vec::new())),
        )
    }

    /// Removes all of the user's factors (active and pending), recovery codes, open challenges
    /// and trusted devices: the support path to turn MFA off for one user. The next enrollment
    /// issues new recovery codes; what the user's attempts earned (failures, lockout, the last
    /// accepted step, the enrollment count, the recovery allowance) stays.
    pub fn delete_enrollment(&self, user_id: &str) -> Result<()> {
        let user = self.user_id(user_id)?;
        let factors = store::factors(self.sql, &user)?;
        if factors.is_empty() {
            return Err(Error::NotEnrolled);
        }
        let ids: Vec<&str> = factors.iter().map(|factor| factor.id.as_str()).collect();
        let removed = data([("factor_ids", json!(ids)), ("all", json!(true))]);
        let mut writes = vec![self.notify(EventType::FactorRemoved, Some(&user), removed)?];
        writes.extend(store::delete_factors(&user));
        writes.push(store::delete_devices(&user));
        writes.push(store::forget_answers(
            &user,
            &[AnswerKind::Enrollment, AnswerKind::Challenge],
        ));
        writes.push(self.audit(AuditKind::EnrollmentDeleted, Some(&user), None));
        self.sql.commit(writes)
    }
}
