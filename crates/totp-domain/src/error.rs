//! What can go wrong in the domain, stated as facts. Each message is written once, in the
//! `Display` below, for API clients: none carries a secret or a code. Which HTTP status a
//! fact becomes is the HTTP ring's decision, made in one place (`worker/src/wire/problem.rs`).

use std::fmt;

use crate::factor::MAX_FACTORS;
use crate::guard::MAX_ENROLLMENTS;

/// A domain failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A field has an unacceptable value.
    Invalid {
        /// The offending field, as named on the wire.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Another user of the organization has this email address.
    EmailTaken,
    /// An account with this domain exists already.
    AccountExists,
    /// Every suffix of an organization name's domain is in use.
    OrganizationNamesExhausted,
    /// The client id and secret do not name a live API key of the account.
    InvalidClientCredentials,
    /// The access token is malformed, forged, expired or its key revoked.
    InvalidAccessToken,
    /// No such record.
    NotFound(Record),
    /// The user has no factor.
    NotEnrolled,
    /// The user's only factor is not validated yet.
    EnrollmentPending,
    /// The enrollment is validated and nothing new is pending.
    AlreadyValidated,
    /// The organization's TOTP connection is switched off.
    ConnectionInactive,
    /// The organization requires MFA, the user's grace period ended at `enroll_by`, and the
    /// user has no validated factor: send them to enrollment.
    EnrollmentRequired {
        /// The Unix second the grace period ended.
        enroll_by: u64,
    },
    /// The user holds [`MAX_FACTORS`] factors already.
    FactorLimit,
    /// The user enrolled [`MAX_ENROLLMENTS`] times; only a forced enrollment may replace it.
    EnrollmentLimit,
    /// Too many failed attempts: the user's attempts are refused until `until`.
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after: u64,
        /// The Unix second the next attempt is allowed at.
        until: u64,
    },
    /// Too many failed trusted-device verifications for this user: none is looked at for
    /// `retry_after` seconds. Apart from the user's lockout.
    DeviceVerificationLimit {
        /// Seconds until the next verification is looked at.
        retry_after: u64,
    },
    /// The factor is locked for good; only a forced enrollment opens it.
    Locked,
    /// A request with this `Idempotency-Key` is still running.
    IdempotencyKeyInUse,
    /// A restore goes only into an organization without users, audit events or webhooks.
    OrganizationNotEmpty,
    /// The organization is being restored: nothing else runs until the restore ends.
    RestoreInProgress,
    /// A storage or platform failure; the detail is logged, never sent.
    Internal(String),
}

/// The kinds of record a lookup may miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// An operator's account, by domain.
    Account,
    /// An API key, by client id.
    ApiKey,
    /// An organization, by domain or id.
    Organization,
    /// A user, by id or email.
    User,
    /// One of a user's factors, by id.
    Factor,
    /// One of a user's trusted devices, by id.
    TrustedDevice,
    /// A webhook endpoint, by id.
    Webhook,
    /// A kept webhook message of an endpoint, by id.
    WebhookMessage,
}

impl Error {
    /// A field error naming `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The request field the failure is about, if it is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::EmailTaken => Some("email"),
            _ => None,
        }
    }

    /// A failure whose detail goes to the log only.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { field, message } => write!(f, "{field} {message}"),
            Self::EmailTaken => f.write_str("email has already been taken"),
            Self::AccountExists => f.write_str("an account with this domain already exists"),
            Self::OrganizationNamesExhausted => {
                f.write_str("too many organizations share this name")
            }
            Self::InvalidClientCredentials => f.write_str("invalid client credentials"),
            Self::InvalidAccessToken => f.write_str("invalid or expired access token"),
            Self::NotFound(Record::Account) => f.write_str("account not found"),
            Self::NotFound(Record::ApiKey) => f.write_str("API key not found"),
            Self::NotFound(Record::Organization) => f.write_str("organization not found"),
            Self::NotFound(Record::User) => f.write_str("user not found"),
            Self::NotFound(Record::Factor) => f.write_str("factor not found"),
            Self::NotFound(Record::TrustedDevice) => f.write_str("trusted device not found"),
            Self::NotFound(Record::Webhook) => f.write_str("webhook endpoint not found"),
            Self::NotFound(Record::WebhookMessage) => {
                f.write_str("webhook message not found (messages are kept 7 days)")
            }
            Self::EnrollmentRequired { enroll_by } => write!(
                f,
                "the organization requires MFA and the user's grace period ended at {enroll_by}: \
                 enroll the user"
            ),
            Self::FactorLimit => write!(
                f,
                "the user has {MAX_FACTORS} factors; remove one before adding another"
            ),
            Self::NotEnrolled => f.write_str("the user is not enrolled"),
            Self::EnrollmentPending => f.write_str("the user's enrollment is not validated yet"),
            Self::AlreadyValidated => f.write_str("the enrollment is already validated"),
            Self::ConnectionInactive => {
                f.write_str("the TOTP connection of this organization is not active")
            }
            Self::EnrollmentLimit => write!(
                f,
                "the user has enrolled {MAX_ENROLLMENTS} times without force_enroll: verify the user, \
                 then enroll with force_enroll; to show a refreshed page the same secret, retry \
                 the first enrollment with its Idempotency-Key"
            ),
            Self::Throttled { retry_after, .. } => write!(
                f,
                "too many failed attempts; retry in {retry_after} seconds"
            ),
            Self::DeviceVerificationLimit { retry_after } => write!(
                f,
                "too many failed device verifications for this user; retry in {retry_after} \
                 seconds"
            ),
            Self::Locked => f.write_str(
                "the factor is locked after too many failed attempts; force a new enrollment",
            ),
            Self::IdempotencyKeyInUse => {
                f.write_str("a request with this Idempotency-Key is still running; retry later")
            }
            Self::OrganizationNotEmpty => f.write_str(
                "the organization has users, audit events or webhooks: restore into a new one",
            ),
            Self::RestoreInProgress => {
                f.write_str("the organization is being restored; retry when the restore ends")
            }
            Self::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl std::error::Error for Error {}

/// Results of the domain.
pub type Result<T, E = Error> = std::result::Result<T, E>;
