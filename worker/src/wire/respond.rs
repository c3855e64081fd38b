//! Responses: JSON bodies with the headers every answer carries (errors: `problem.rs`).

use serde::Serialize;
use worker::{Headers, Response, Result};

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
    Ok(Response::builder()
        .with_status(204)
        .with_headers(copy(&SECURITY)?)
        .empty())
}

fn with_json_headers(status: u16, text: String) -> Result<Response> {
    Ok(Response::builder()
        .with_status(status)
        .with_headers(copy(&JSON)?)
        .fixed(text.into_bytes()))
}

thread_local! {
    /// The headers every answer carries, made once per isolate: a copy is one call into the
    /// runtime instead of one per header.
    static SECURITY: Result<Headers> = security_headers();
    /// The same for a JSON answer.
    static JSON: Result<Headers> = security_headers().and_then(|headers| {
        headers.set("content-type", "application/json")?;
        Ok(headers)
    });
}

fn copy(template: &'static std::thread::LocalKey<Result<Headers>>) -> Result<Headers> {
    template.with(|template| match template {
        Ok(template) => Ok(template.clone()),
        Err(error) => Err(worker::Error::RustError(error.to_string())),
    })
}

fn security_headers() -> Result<Headers> {
    let headers = Headers::new();
    // Answers hold secrets and codes: never cached, sniffed, framed, or sent on in a Referer;
    // HTTPS only. Framing is refused both ways (OWASP's REST cheat sheet), for old browsers too.
    headers.set("cache-control", "no-store")?;
    headers.set("content-security-policy", "frame-ancestors 'none'")?;
    headers.set("x-frame-options", "DENY")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set(
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    )?;
    Ok(headers)
}
