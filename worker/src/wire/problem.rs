//! Every failure the API answers, and the one place that decides what each becomes on the
//! wire: status, codes and headers, in the one error shape, compatible with OAuth 2.0
//! (RFC 6749, 5.2): `{"error", "error_description", "code", "field"?, "request_id"?,
//! "retry_after"?, "locked_until"?}`. `error` is OAuth's coarse code; `code` names the cause,
//! one per cause, for clients to branch on.

use std::fmt;

use serde::Serialize;
use worker::{Response, Result};

use totp_domain::error::{Error, Record};

use super::respond;

/// A failure of a request: a fact of the domain, or one the HTTP ring finds before the domain
/// sees the request.
#[derive(Debug)]
pub enum HttpError {
    /// What the domain refused.
    Domain(Error),
    /// No route has this path.
    NoRoute,
    /// Routes have this path, with these methods only.
    MethodNotAllowed(Vec<&'static str>),
    /// No bearer access token in `Authorization`.
    BearerRequired,
    /// The operator token does not match `OPERATOR_TOKEN`.
    InvalidOperatorToken,
    /// `OPERATOR_TOKEN` is not set, so operator routes are off.
    OperatorRoutesDisabled,
    /// The token endpoint was asked for a grant other than client credentials.
    UnsupportedGrantType,
    /// Client credentials both in HTTP Basic and in the body (RFC 6749, 2.3: one method only).
    TwoClientAuthentications,
    /// The body is larger than this many bytes.
    PayloadTooLarge(usize),
    /// The body's media type is not one the API reads.
    UnsupportedMediaType,
    /// The body broke off or could not be read.
    UnreadableBody,
    /// The JSON body does not parse; the parser's account of where.
    InvalidJson(String),
    /// The JSON body is not an object.
    JsonNotAnObject,
    /// The form body is not UTF-8.
    FormNotUtf8,
    /// The multipart body does not parse.
    InvalidMultipart,
    /// Too many requests of this kind from one client address or client id; the seconds to wait.
    RateLimited(u64),
}

impl From<Error> for HttpError {
    fn from(error: Error) -> Self {
        Self::Domain(error)
    }
}

impl HttpError {
    /// A platform failure, logged and answered generically.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::Domain(Error::internal(detail))
    }

    /// The status and the `error` code of the failure; `oauth` at the token endpoint, whose
    /// codes RFC 6749 names.
    pub(super) fn status(&self, oauth: bool) -> (u16, &'static str) {
        match self {
            Self::Domain(error) => match error {
                Error::Invalid { .. } | Error::EmailTaken => (422, "unprocessable_entity"),
                Error::InvalidClientCredentials | Error::InvalidAccessToken if oauth => {
                    (401, "invalid_client")
                }
                Error::InvalidClientCredentials | Error::InvalidAccessToken => {
                    (401, "unauthorized")
                }
                Error::NotFound(_) | Error::NotEnrolled => (404, "not_found"),
                Error::EnrollmentLimit | Error::Locked | Error::EnrollmentRequired { .. } => {
                    (403, "forbidden")
                }
                Error::AccountExists
                | Error::OrganizationNamesExhausted
                | Error::FactorLimit
                | Error::EnrollmentPending
                | Error::AlreadyValidated
                | Error::ConnectionInactive
                | Error::IdempotencyKeyInUse
                | Error::OrganizationNotEmpty
                | Error::RestoreInProgress => (409, "conflict"),
                Error::Throttled { .. } => (429, "too_many_attempts"),
                Error::DeviceVerificationLimit { .. } => (429, "too_many_requests"),
                Error::Internal(_) => (500, "internal_error"),
            },
            Self::NoRoute => (404, "not_found"),
            Self::MethodNotAllowed(_) => (405, "method_not_allowed"),
            Self::BearerRequired | Self::InvalidOperatorToken => (401, "unauthorized"),
            Self::OperatorRoutesDisabled => (403, "forbidden"),
            Self::PayloadTooLarge(_) => (413, "payload_too_large"),
            Self::RateLimited(_) => (429, "too_many_requests"),
            Self::UnsupportedMediaType => (415, "unsupported_media_type"),
            Self::UnsupportedGrantType
            | Self::TwoClientAuthentications
            | Self::UnreadableBody
            | Self::InvalidJson(_)
            | Self::JsonNotAnObject
            | Self::FormNotUtf8
            | Self::InvalidMultipart => (400, "invalid_request"),
        }
    }
}

/// The cause of a failure, stable for clients to branch on: one per cause, where `error` (and
/// the status) group several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(utoipa::ToSchema))]
pub enum ErrorCode {
    InvalidField,
    EmailTaken,
    AccountExists,
    OrganizationNamesExhausted,
    InvalidClientCredentials,
    InvalidAccessToken,
    AccountNotFound,
    ApiKeyNotFound,
    OrganizationNotFound,
    UserNotFound,
    FactorNotFound,
    TrustedDeviceNotFound,
    WebhookNotFound,
    WebhookMessageNotFound,
    NotEnrolled,
    EnrollmentRequired,
    FactorLimit,
    DeviceVerificationLimit,
    EnrollmentPending,
    AlreadyValidated,
    ConnectionInactive,
    ReenrollmentLimit,
    TooManyAttempts,
    Locked,
    IdempotencyKeyInUse,
    OrganizationNotEmpty,
    RestoreInProgress,
    InternalError,
    RouteNotFound,
    MethodNotAllowed,
    BearerRequired,
    InvalidOperatorToken,
    OperatorRoutesDisabled,
    UnsupportedGrantType,
    TwoClientAuthentications,
    PayloadTooLarge,
    UnsupportedMediaType,
    UnreadableBody,
    InvalidJson,
    JsonNotAnObject,
    FormNotUtf8,
    InvalidMultipart,
    RateLimited,
}

impl HttpError {
    /// The failure's cause, for `code`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Domain(error) => match error {
                Error::Invalid { .. } => ErrorCode::InvalidField,
                Error::EmailTaken => ErrorCode::EmailTaken,
                Error::AccountExists => ErrorCode::AccountExists,
                Error::OrganizationNamesExhausted => ErrorCode::OrganizationNamesExhausted,
                Error::InvalidClientCredentials => ErrorCode::InvalidClientCredentials,
                Error::InvalidAccessToken => ErrorCode::InvalidAccessToken,
                Error::NotFound(Record::Account) => ErrorCode::AccountNotFound,
                Error::NotFound(Record::ApiKey) => ErrorCode::ApiKeyNotFound,
                Error::NotFound(Record::Organization) => ErrorCode::OrganizationNotFound,
                Error::NotFound(Record::User) => ErrorCode::UserNotFound,
                Error::NotFound(Record::Factor) => ErrorCode::FactorNotFound,
                Error::NotFound(Record::TrustedDevice) => ErrorCode::TrustedDeviceNotFound,
                Error::NotFound(Record::Webhook) => ErrorCode::WebhookNotFound,
                Error::NotFound(Record::WebhookMessage) => ErrorCode::WebhookMessageNotFound,
                Error::EnrollmentRequired { .. } => ErrorCode::EnrollmentRequired,
                Error::FactorLimit => ErrorCode::FactorLimit,
                Error::DeviceVerificationLimit { .. } => ErrorCode::DeviceVerificationLimit,
                Error::NotEnrolled => ErrorCode::NotEnrolled,
                Error::EnrollmentPending => ErrorCode::EnrollmentPending,
                Error::AlreadyValidated => ErrorCode::AlreadyValidated,
                Error::ConnectionInactive => ErrorCode::ConnectionInactive,
                Error::EnrollmentLimit => ErrorCode::ReenrollmentLimit,
                Error::Throttled { .. } => ErrorCode::TooManyAttempts,
                Error::Locked => ErrorCode::Locked,
                Error::IdempotencyKeyInUse => ErrorCode::IdempotencyKeyInUse,
                Error::OrganizationNotEmpty => ErrorCode::OrganizationNotEmpty,
                Error::RestoreInProgress => ErrorCode::RestoreInProgress,
                Error::Internal(_) => ErrorCode::InternalError,
            },
            Self::NoRoute => ErrorCode::RouteNotFound,
            Self::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            Self::BearerRequired => ErrorCode::BearerRequired,
            Self::InvalidOperatorToken => ErrorCode::InvalidOperatorToken,
            Self::OperatorRoutesDisabled => ErrorCode::OperatorRoutesDisabled,
            Self::UnsupportedGrantType => ErrorCode::UnsupportedGrantType,
            Self::TwoClientAuthentications => ErrorCode::TwoClientAuthentications,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::UnreadableBody => ErrorCode::UnreadableBody,
            Self::InvalidJson(_) => ErrorCode::InvalidJson,
            Self::JsonNotAnObject => ErrorCode::JsonNotAnObject,
            Self::FormNotUtf8 => ErrorCode::FormNotUtf8,
            Self::InvalidMultipart => ErrorCode::InvalidMultipart,
            Self::RateLimited(_) => ErrorCode::RateLimited,
        }
    }

    /// Seconds to wait before trying again, and, for a user's attempts, the Unix second they
    /// are taken again: also in `Retry-After`.
    pub(super) fn retry(&self) -> (Option<u64>, Option<u64>) {
        match self {
            Self::Domain(Error::Throttled { retry_after, until }) => {
                (Some(*retry_after), Some(*until))
            }
            Self::RateLimited(retry_after)
            | Self::Domain(Error::DeviceVerificationLimit { retry_after }) => {
                (Some(*retry_after), None)
            }
            _ => (None, None),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(error) => error.fmt(f),
            Self::NoRoute => f.write_str("no such route"),
            Self::MethodNotAllowed(allowed) => write!(f, "allowed: {}", allowed.join(", ")),
            Self::BearerRequired => f.write_str("a bearer access token is required"),
            Self::InvalidOperatorToken => f.write_str("invalid operator token"),
            Self::OperatorRoutesDisabled => {
                f.write_str("operator routes are disabled: OPERATOR_TOKEN is not set")
            }
            Self::UnsupportedGrantType => f.write_str("grant_type must be client_credentials"),
            Self::TwoClientAuthentications => {
                f.write_str("send the client credentials in HTTP Basic or in the body, not both")
            }
            Self::PayloadTooLarge(limit) => write!(f, "the body is larger than {limit} bytes"),
            Self::UnsupportedMediaType => f.write_str(
                "send application/json, application/x-www-form-urlencoded or multipart/form-data",
            ),
            Self::UnreadableBody => f.write_str("unreadable body"),
            Self::InvalidJson(detail) => write!(f, "invalid JSON body: {detail}"),
            Self::JsonNotAnObject => f.write_str("the JSON body must be an object"),
            Self::FormNotUtf8 => f.write_str("the form body is not valid UTF-8"),
            Self::InvalidMultipart => f.write_str("invalid multipart/form-data body"),
            Self::RateLimited(seconds) => {
                write!(f, "too many requests; retry after {seconds} seconds")
            }
        }
    }
}

#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = Error))]
pub(crate) struct ErrorBody<'a> {
    error: &'static str,
    error_description: String,
    code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, schema(nullable = false))]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, schema(nullable = false))]
    request_id: Option<&'a str>,
    /// Seconds until the next attempt is looked at (also `Retry-After`): on a 429.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, schema(nullable = false, minimum = 1))]
    retry_after: Option<u64>,
    /// The Unix second (seconds since the epoch) the user's attempts are taken again: on a 429
    /// for too many failed attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, schema(nullable = false))]
    locked_until: Option<u64>,
}

/// The response for `failure`. An internal failure is logged with `request_id`, which the
/// answer carries; nothing else of it reaches the client.
pub fn respond(failure: &HttpError, request_id: &str, oauth: bool) -> Result<Response> {
    let (status, code) = failure.status(oauth);
    if let HttpError::Domain(Error::Internal(detail)) = failure {
        worker::console_error!("request {request_id}: {detail}");
    }
    let field = match failure {
        HttpError::Domain(error) => error.field(),
        _ => None,
    };
    let (retry_after, locked_until) = failure.retry();
    let body = ErrorBody {
        error: code,
        error_description: failure.to_string(),
        code: failure.code(),
        field,
        request_id: (status == 500).then_some(request_id),
        retry_after,
        locked_until,
    };
    let mut response = respond::json(status, &body)?;
    let headers = response.headers_mut();
    if let Some(seconds) = retry_after {
        headers.set("retry-after", &seconds.to_string())?;
    }
    if let HttpError::MethodNotAllowed(allowed) = failure {
        headers.set("allow", &allowed.join(", "))?;
    }
    if status == 401 {
        headers.set("www-authenticate", "Bearer")?;
    }
    Ok(response)
}
