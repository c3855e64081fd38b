//! Credentials: the `Authorization` header, a tenant's bearer token, and the operator's token
//! compared in constant time.

use super::Result;
use crate::wire::problem::HttpError;
use subtle::ConstantTimeEq;
use worker::{Env, Request};

/// The `Authorization` header, empty when absent.
pub(super) fn authorization(request: &Request) -> String {
    request
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub(super) fn bearer(request: &Request) -> Result<String> {
    let header = authorization(request);
    match header.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(HttpError::BearerRequired),
    }
}

/// Operator routes need `Authorization: Bearer <OPERATOR_TOKEN>`, compared in constant time.
pub(super) fn operator(request: &Request, env: &Env) -> Result<()> {
    let expected = env
        .secret("OPERATOR_TOKEN")
        .map(|value| value.to_string())
        .map_err(|_| HttpError::OperatorRoutesDisabled)?;
    let presented = bearer(request)?;
    let equal = presented.len() == expected.len()
        && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()));
    if !equal || expected.len() < 16 {
        return Err(HttpError::InvalidOperatorToken);
    }
    Ok(())
}
