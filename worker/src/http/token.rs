//! `POST /oauth/token`: client credentials for a bearer token, rate-limited per client address
//! before the body is read and per client id before D1 is asked.

use worker::{Request, Response};

use super::Result;
use super::call::{Call, ok};
use super::input;
use super::limits::{self, Limit};
use crate::api::{Operation, Spec};
use crate::wire::problem::HttpError;

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
    let client_id = input.required("client_id")?;
    limits::admit(call.env, Limit::TokenByClient, &client_id).await?;
    let token = call
        .control()
        .issue_token(
            &input.required("domain")?,
            &client_id,
            &input.required("client_secret")?,
        )
        .await?;
    ok(token)
}
