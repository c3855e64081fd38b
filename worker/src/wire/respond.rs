//! Responses: JSON bodies and the one error shape, compatible with OAuth 2.0 (RFC 6749, 5.2):
//! `{"error": code, "error_description": message, "field"?, "request_id"?}`.

use serde::Serialize;
use serde_json::json;
use worker::{Headers, Response, Result};

use totp_domain::error::Error;
use totp_domain::idempotency::Outcome;

/// A 200 with a body that is JSON already.
pub fn raw_json(text: &str) -> Result<Response> {
    with_json_headers(200, text.to_owned())
}

/// A JSON response with `status`.
pub fn json(status: u16, body: &impl Serialize) -> Result<Response> {
    with_json_headers(status, serde_json::to_string(body)?)
}

/// The answer of an operation that may be a replay of a kept one (`Idempotency-Key`): a replay
/// says so in `Idempotent-Replayed: true`.
pub fn outcome(outcome: &Outcome) -> Result<Response> {
    let mut response = match outcome.answer.status {
        204 => no_content()?,
        status => json(status, &outcome.answer.body)?,
    };
    if outcome.replayed {
        response.headers_mut().set("idempotent-replayed", "true")?;
    }
    Ok(response)
}

/// A 204: done, nothing to say.
pub fn no_content() -> Result<Response> {
    Ok(Response::empty()?
        .with_status(204)
        .with_headers(security_headers()?))
}

fn with_json_headers(status: u16, text: String) -> Result<Response> {
    let headers = security_headers()?;
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(text)?
        .with_status(status)
        .with_headers(headers))
}

fn security_headers() -> Result<Headers> {
    let headers = Headers::new();
    // Answers hold secrets and codes: never cached, sniffed, or sent on in a Referer; HTTPS only.
    headers.set("cache-control", "no-store")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set(
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    )?;
    Ok(headers)
}

/// The error response for `error`. Internal errors are logged with `request_id` and answered
/// generically; nothing else of them reaches the client.
pub fn error(error: &Error, request_id: &str, oauth: bool) -> Result<Response> {
    let (status, code) = match error {
        Error::BadRequest(_) => (400, "invalid_request"),
        Error::Unauthorized(_) if oauth => (401, "invalid_client"),
        Error::Unauthorized(_) => (401, "unauthorized"),
        Error::Forbidden(_) => (403, "forbidden"),
        Error::NotFound(_) => (404, "not_found"),
        Error::Conflict(_) => (409, "conflict"),
        Error::PayloadTooLarge(_) => (413, "payload_too_large"),
        Error::UnsupportedMediaType => (415, "unsupported_media_type"),
        Error::Invalid { .. } => (422, "unprocessable_entity"),
        Error::Throttled { .. } => (429, "too_many_attempts"),
        Error::Internal(detail) => {
            worker::console_error!("request {request_id}: {detail}");
            (500, "internal_error")
        }
    };
    let mut body = json!({ "error": code, "error_description": error.to_string() });
    if let Error::Invalid { field, .. } = error {
        body["field"] = json!(field);
    }
    if status == 500 {
        body["request_id"] = json!(request_id);
    }
    let mut response = json(status, &body)?;
    if let Error::Throttled { retry_after } = error {
        response
            .headers_mut()
            .set("retry-after", &retry_after.to_string())?;
    }
    if status == 401 {
        response.headers_mut().set("www-authenticate", "Bearer")?;
    }
    Ok(response)
}

/// 404 for unknown routes and 405 (with `Allow`) for known routes with another method.
pub fn no_route(allowed: &[&str]) -> Result<Response> {
    if allowed.is_empty() {
        return json(
            404,
            &json!({ "error": "not_found", "error_description": "no such route" }),
        );
    }
    let mut response = json(
        405,
        &json!({ "error": "method_not_allowed", "error_description": format!("allowed: {}", allowed.join(", ")) }),
    )?;
    response.headers_mut().set("allow", &allowed.join(", "))?;
    Ok(response)
}
