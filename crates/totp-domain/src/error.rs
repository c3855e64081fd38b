//! What can go wrong in the domain, in terms the HTTP layer maps onto one JSON error shape.

use std::fmt;

/// A domain failure. Messages are written for API clients and never carry secrets or codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The request is malformed (400).
    BadRequest(String),
    /// Missing or wrong credentials (401).
    Unauthorized(&'static str),
    /// Authenticated, but not allowed to do this now (403).
    Forbidden(String),
    /// No such resource (404).
    NotFound(&'static str),
    /// The resource is not in a state that allows this (409).
    Conflict(String),
    /// A field has an unacceptable value (422).
    Invalid {
        /// The offending field, as named on the wire.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Too many failed attempts; retry after this many seconds (429).
    Throttled {
        /// Seconds until the next attempt is allowed.
        retry_after: u64,
    },
    /// The body is larger than this many bytes (413).
    PayloadTooLarge(usize),
    /// The body's content type is not one the API reads (415).
    UnsupportedMediaType,
    /// A storage or platform failure; the detail is logged, never sent (500).
    Internal(String),
}

impl Error {
    /// A 422 naming `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// A 500 whose detail goes to the log only.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(message) | Self::Forbidden(message) | Self::Conflict(message) => {
                f.write_str(message)
            }
            Self::Unauthorized(message) | Self::NotFound(message) => f.write_str(message),
            Self::Invalid { field, message } => write!(f, "{field} {message}"),
            Self::Throttled { retry_after } => {
                write!(
                    f,
                    "too many failed attempts; retry in {retry_after} seconds"
                )
            }
            Self::PayloadTooLarge(limit) => write!(f, "the body is larger than {limit} bytes"),
            Self::UnsupportedMediaType => f.write_str(
                "send application/json, application/x-www-form-urlencoded or multipart/form-data",
            ),
            Self::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl std::error::Error for Error {}

/// Results of the domain.
pub type Result<T, E = Error> = std::result::Result<T, E>;
