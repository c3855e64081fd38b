//! Every failure's status, code and message, natively: the one place that decides them.
#![allow(clippy::unwrap_used)]

use totp_domain::error::{Error, Record};

use super::problem::HttpError;

/// Every kind of failure, with its status and OAuth `error`.
fn failures() -> Vec<(HttpError, u16, &'static str)> {
    vec![
        (
            Error::invalid("email", "is required").into(),
            422,
            "unprocessable_entity",
        ),
        (Error::EmailTaken.into(), 422, "unprocessable_entity"),
        (Error::InvalidAccessToken.into(), 401, "unauthorized"),
        (Error::InvalidClientCredentials.into(), 401, "unauthorized"),
        (Error::NotFound(Record::User).into(), 404, "not_found"),
        (Error::NotEnrolled.into(), 404, "not_found"),
        (Error::EnrollmentLimit.into(), 403, "forbidden"),
        (Error::Locked.into(), 403, "forbidden"),
        (Error::AccountExists.into(), 409, "conflict"),
        (Error::OrganizationNamesExhausted.into(), 409, "conflict"),
        (Error::EnrollmentPending.into(), 409, "conflict"),
        (Error::AlreadyValidated.into(), 409, "conflict"),
        (Error::ConnectionInactive.into(), 409, "conflict"),
        (Error::IdempotencyKeyInUse.into(), 409, "conflict"),
        (
            Error::Throttled {
                retry_after: 3,
                until: 9,
            }
            .into(),
            429,
            "too_many_attempts",
        ),
        (HttpError::internal("boom"), 500, "internal_error"),
        (HttpError::NoRoute, 404, "not_found"),
        (
            HttpError::MethodNotAllowed(vec!["GET"]),
            405,
            "method_not_allowed",
        ),
        (HttpError::BearerRequired, 401, "unauthorized"),
        (HttpError::InvalidOperatorToken, 401, "unauthorized"),
        (HttpError::OperatorRoutesDisabled, 403, "forbidden"),
        (HttpError::PayloadTooLarge(16), 413, "payload_too_large"),
        (
            HttpError::UnsupportedMediaType,
            415,
            "unsupported_media_type",
        ),
        (HttpError::UnsupportedGrantType, 400, "invalid_request"),
        (HttpError::TwoClientAuthentications, 400, "invalid_request"),
        (HttpError::UnreadableBody, 400, "invalid_request"),
        (HttpError::InvalidJson("x".into()), 400, "invalid_request"),
        (HttpError::JsonNotAnObject, 400, "invalid_request"),
        (HttpError::FormNotUtf8, 400, "invalid_request"),
        (HttpError::InvalidMultipart, 400, "invalid_request"),
        (HttpError::RateLimited(60), 429, "too_many_requests"),
        (Error::NotFound(Record::Account).into(), 404, "not_found"),
        (Error::NotFound(Record::ApiKey).into(), 404, "not_found"),
        (
            Error::NotFound(Record::Organization).into(),
            404,
            "not_found",
        ),
    ]
}

#[test]
fn every_failure_has_its_status_and_code() {
    for (failure, status, code) in &failures() {
        assert_eq!(failure.status(false), (*status, *code), "{failure:?}");
    }
}

#[test]
fn every_cause_has_a_code_of_its_own_to_branch_on() {
    let name = |failure: &HttpError| {
        serde_json::to_value(failure.code())
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    };
    let failures = failures();
    let codes: std::collections::HashSet<String> = failures.iter().map(|(f, ..)| name(f)).collect();
    assert_eq!(codes.len(), failures.len(), "two causes share a code");
    let named = [
        (
            HttpError::from(Error::NotFound(Record::User)),
            "user_not_found",
        ),
        (
            Error::NotFound(Record::Organization).into(),
            "organization_not_found",
        ),
        (Error::NotEnrolled.into(), "not_enrolled"),
        (Error::ConnectionInactive.into(), "connection_inactive"),
        (Error::EnrollmentPending.into(), "enrollment_pending"),
        (Error::EnrollmentLimit.into(), "reenrollment_limit"),
        (Error::Locked.into(), "locked"),
        (HttpError::NoRoute, "route_not_found"),
    ];
    for (failure, code) in &named {
        assert_eq!(name(failure), *code, "{failure:?}");
    }
}

#[test]
fn a_refusal_to_retry_later_says_when_in_the_body_and_the_header() {
    let throttled = HttpError::from(Error::Throttled {
        retry_after: 30,
        until: 1_000_030,
    });
    assert_eq!(throttled.retry(), (Some(30), Some(1_000_030)));
    assert_eq!(HttpError::RateLimited(60).retry(), (Some(60), None));
    assert_eq!(HttpError::from(Error::Locked).retry(), (None, None));
}

#[test]
fn the_token_endpoint_answers_credentials_in_oauth_terms() {
    let credentials: HttpError = Error::InvalidClientCredentials.into();
    assert_eq!(credentials.status(true), (401, "invalid_client"));
    let token: HttpError = Error::InvalidAccessToken.into();
    assert_eq!(token.status(true), (401, "invalid_client"));
    let other: HttpError = Error::EmailTaken.into();
    assert_eq!(other.status(true), (422, "unprocessable_entity"));
}

#[test]
fn messages_say_what_happened_and_never_the_internal_detail() {
    let cases: Vec<(HttpError, &str)> = vec![
        (HttpError::NoRoute, "no such route"),
        (
            HttpError::MethodNotAllowed(vec!["GET", "PUT"]),
            "allowed: GET, PUT",
        ),
        (
            HttpError::BearerRequired,
            "a bearer access token is required",
        ),
        (HttpError::InvalidOperatorToken, "invalid operator token"),
        (
            HttpError::OperatorRoutesDisabled,
            "operator routes are disabled: OPERATOR_TOKEN is not set",
        ),
        (
            HttpError::UnsupportedGrantType,
            "grant_type must be client_credentials",
        ),
        (
            HttpError::PayloadTooLarge(16384),
            "the body is larger than 16384 bytes",
        ),
        (HttpError::UnreadableBody, "unreadable body"),
        (
            HttpError::InvalidJson("line 1".into()),
            "invalid JSON body: line 1",
        ),
        (
            HttpError::JsonNotAnObject,
            "the JSON body must be an object",
        ),
        (HttpError::FormNotUtf8, "the form body is not valid UTF-8"),
        (
            HttpError::InvalidMultipart,
            "invalid multipart/form-data body",
        ),
        (
            HttpError::RateLimited(60),
            "too many requests; retry after 60 seconds",
        ),
        (Error::EmailTaken.into(), "email has already been taken"),
    ];
    for (failure, message) in cases {
        assert_eq!(failure.to_string(), message);
    }
    assert!(
        HttpError::UnsupportedMediaType
            .to_string()
            .starts_with("send application/json")
    );
    assert!(
        !HttpError::internal("secret detail")
            .to_string()
            .contains("secret detail")
    );
}
