//! The operator's operations: accounts and API keys in D1, the re-seal walk, an
//! organization's export, and the deep health checks.

use totp_domain::error::Error;
use worker::{Request, Response};

use super::Result;
use super::auth::operator;
use super::call::{Call, created, ok};
use super::input;
use crate::api::{OperatorOp, Params};
use crate::control;
use crate::org_object::Whole;
use crate::wire::answers::{AccountBody, ApiKeyBody, DeepHealth, List, Resealed, Revoked};
use crate::wire::problem::HttpError;

mod reseal;

pub async fn serve(
    call: &Call<'_>,
    op: OperatorOp,
    params: &Params<'_>,
    request: &mut Request,
) -> Result<Response> {
    operator(request, call.env)?;
    let control = call.control();
    // A restore's body is an export, streamed into the object as it arrives.
    if op == OperatorOp::Restore {
        let organization = control
            .organization_by_id(params.get("organization_id")?)
            .await?;
        let media = request.headers().get("content-type").ok().flatten();
        let ndjson = media.as_deref().is_some_and(|media| {
            let essence = media.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/x-ndjson")
        });
        if !ndjson {
            return Err(HttpError::UnsupportedMediaType);
        }
        let body = request.inner().body().map(Into::into);
        return call.whole(&organization, Whole::Restore, body).await;
    }
    let input = input::read(request, op.spec().body_limit).await?;
    match op {
        OperatorOp::CreateAccount => created(AccountBody::from(
            control.create_account(&input.required("domain")?).await?,
        )),
        OperatorOp::Account => {
            let account = control.account(params.get("domain")?).await?;
            ok(AccountBody::from(account))
        }
        OperatorOp::CreateApiKey => created(
            control
                .create_api_key(params.get("domain")?, &input.required("environment")?)
                .await?,
        ),
        OperatorOp::ApiKeys => {
            let keys = control.api_keys(params.get("domain")?).await?;
            ok(List {
                data: keys.into_iter().map(ApiKeyBody::from).collect(),
            })
        }
        OperatorOp::RevokeApiKey => {
            let client_id = params.get("client_id")?;
            control
                .revoke_api_key(params.get("domain")?, client_id)
                .await?;
            control::forget_key(client_id);
            ok(Revoked {
                client_id,
                revoked: true,
            })
        }
        OperatorOp::Reseal => {
            let limit = input.number("limit")?.unwrap_or(100);
            if !(1..=500).contains(&limit) {
                return Err(Error::invalid("limit", "must be between 1 and 500").into());
            }
            let total = reseal::walk(call, limit as u32).await?;
            ok(Resealed {
                key_id: call.keys.current_key_id(),
                resealed: total.resealed,
                remaining: total.remaining,
            })
        }
        OperatorOp::DeepHealth => {
            control.ping().await?;
            let object = call.ping_object().await?;
            if object.status_code() != 200 {
                return Err(HttpError::internal(format!(
                    "the health object answered {}",
                    object.status_code()
                )));
            }
            ok(DeepHealth {
                status: "ok",
                d1: "ok",
                object: "ok",
            })
        }
        OperatorOp::ObjectHealth => call.ping_object().await,
        OperatorOp::Export => {
            let organization = control
                .organization_by_id(params.get("organization_id")?)
                .await?;
            call.whole(&organization, Whole::Export, None).await
        }
        OperatorOp::Restore => Err(HttpError::internal("a restore is served above")),
        #[cfg(feature = "test-clock")]
        OperatorOp::FireAlarm => {
            let organization = control
                .organization_by_id(params.get("organization_id")?)
                .await?;
            call.fire_alarm(&organization).await
        }
    }
}
