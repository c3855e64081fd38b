//! `POST /oauth/token`: client credentials for a bearer token, rate-limited per client address
//! before the body is read and per client id before D1 is asked.

use worker::{Request, Response};

use super::Result;
use super::auth::authorization;
use super::call::{Call, ok};
use super::input;
use super::limits::{self, Limit};
use crate::api::{Operation, Spec};
use crate::wire::basic;
use crate::wire::input::Input;
use crate::wire::problem::HttpError;
use totp_domain::error::Error;

pub async fn serve(call: &Call<'_>, request: &mut Request) -> Result<Response> {
    limits::admit(
        call.env,
        Limit::TokenByAddress,
        &limits::client_address(request),
    )
    .await?;
    let Spec { body_limit, .. } = Operation::Token.spec();
    let input = &input::read(request, body_limit).await?;
    let grant = input.text("grant_type")?.unwrap_or_default();
    if grant != "client_credentials" {
        return Err(HttpError::UnsupportedGrantType);
    }
    let (client_id, client_secret) = client_credentials(request, input)?;
    limits::admit(call.env, Limit::TokenByClient, &client_id).await?;
    let domain = input.text("domain")?;
    let token = call
        .control()
        .issue_token(domain.as_deref(), &client_id, &client_secret)
        .await?;
    ok(token)
}

/// The client's id and secret: in HTTP Basic or in the body, never both (RFC 6749, 2.3).
fn client_credentials(request: &Request, input: &Input) -> Result<(String, String)> {
    let header = authorization(request);
    let basic = basic::credentials(&header).map_err(|_| Error::InvalidClientCredentials)?;
    let in_body = input.text("client_id")?.is_some() || input.text("client_secret")?.is_some();
    match basic {
        Some(_) if in_body => Err(HttpError::TwoClientAuthentications),
        Some(credentials) => Ok(credentials),
        None => Ok((
            input.required("client_id")?,
            input.required("client_secret")?,
        )),
    }
}
