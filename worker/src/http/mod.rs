//! The HTTP ring: the fetch entry, routing, authentication, input and the error shape. The
//! control plane answers from D1 (through caches); everything under an organization is one
//! call into that organization's object.

mod auth;
mod commands;
mod input;
mod limits;
mod routes;
#[cfg(test)]
mod tests;

use totp_domain::control::Control;
use totp_domain::error::Error;
use totp_domain::idempotency::{Answer, IdempotentRequest, Outcome};
use totp_domain::keys::Keys;
use totp_domain::model::{Organization, Tenant};
use totp_domain::new_id;
use totp_domain::org::ResealReport;
use worker::{Context, Env, Request, Response, event};

use crate::clock;
use crate::control::{self, D1};
use crate::org_object::{self, OrgCommand};
use crate::secrets::keys;
use crate::wire::answers::{
    AccountBody, ApiKeyBody, DeepHealth, Health, List, OrganizationBody, Resealed, Revoked,
};
use crate::wire::problem::{self, HttpError};
use crate::wire::respond;
use auth::{bearer, operator};
use commands::{idempotency, org_command};
use input::Input;
use limits::Limit;
use routes::{Operation, OperatorRoute, OrgRoute, Route, TenantRoute, allowed_methods, route};

/// The API's own OpenAPI 3.1 document; tests check real responses against it.
const OPENAPI: &str = include_str!("../../openapi.json");

#[event(fetch)]
async fn fetch(mut request: Request, env: Env, _context: Context) -> worker::Result<Response> {
    let request_id = new_id().unwrap_or_default();
    let path = request.path();
    #[cfg(feature = "storage-contract")]
    if path == crate::contract::PATH {
        return crate::contract::d1(&env).await;
    }
    #[cfg(feature = "storage-contract")]
    if let Some(id) = path.strip_prefix(&format!("{}/", crate::contract::CANARY_PATH)) {
        return crate::contract::canary(&env, id, request).await;
    }
    let decoded: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let method = request.method();
    let oauth = segments == ["oauth", "token"];

    // workers-rs reads a method it has no name for (QUERY, say) as GET: only a method it
    // names exactly is routed, any other is answered 405 (or 404) with what the path allows.
    let named = request.inner().method() == method.as_ref();
    let Some(route) = named.then(|| route(&method, &segments)).flatten() else {
        let allowed = allowed_methods(&segments);
        let failure = if allowed.is_empty() {
            HttpError::NoRoute
        } else {
            HttpError::MethodNotAllowed(allowed)
        };
        return problem::respond(&failure, &request_id, oauth);
    };
    let operation = match route {
        Route::OpenApi => return respond::raw_json(OPENAPI),
        Route::Operation(operation) => operation,
    };
    control::configure(&env);
    let d1 = D1::new(&env);
    let mut objects = 0;
    let outcome = async {
        let keys = keys(&env)?;
        let now = clock::now(&request);
        let call = Call {
            env: &env,
            keys: &keys,
            d1: &d1,
            control: Control::new(&d1, &keys, now),
            now,
            test_now: clock::test_now(&request),
            request_id: &request_id,
        };
        serve(operation, &mut request, &call, &mut objects).await
    }
    .await;
    let response = match outcome {
        Ok(response) => response,
        Err(failure) => problem::respond(&failure, &request_id, oauth)?,
    };
    // One line per request: the operation, never its arguments; the D1 queries and object
    // calls it made (a warm validation: 0 and 1).
    let queries = d1.queries();
    worker::console_log!(
        "{request_id} {method} {} {} d1={queries} objects={objects}",
        route.name(),
        response.status_code()
    );
    Ok(response)
}

/// What every handler needs of one request.
struct Call<'a> {
    env: &'a Env,
    keys: &'a Keys,
    d1: &'a D1,
    control: Control<'a, D1>,
    now: u64,
    /// The time a test build was told (forwarded to objects); `None` in the deploy build.
    test_now: Option<u64>,
    request_id: &'a str,
}

/// Results of the HTTP ring.
type Result<T> = std::result::Result<T, HttpError>;

fn ok(body: impl serde::Serialize) -> Result<Response> {
    answer(200, body)
}

fn created(body: impl serde::Serialize) -> Result<Response> {
    answer(201, body)
}

fn answer(status: u16, body: impl serde::Serialize) -> Result<Response> {
    respond::json(status, &body).map_err(HttpError::internal)
}

fn required(input: &Input, field: &'static str) -> totp_domain::error::Result<String> {
    input
        .text(field)?
        .ok_or_else(|| Error::invalid(field, "is required"))
}

/// Serves `operation`. Credentials are checked before a byte of the body is read.
async fn serve(
    operation: Operation<'_>,
    request: &mut Request,
    call: &Call<'_>,
    objects: &mut u32,
) -> Result<Response> {
    match operation {
        Operation::Health => ok(Health::OK),
        Operation::Token => {
            limits::admit(
                call.env,
                Limit::TokenByAddress,
                &limits::client_address(request),
            )
            .await?;
            let input = &Input::read(request).await?;
            let grant = input.text("grant_type")?.unwrap_or_default();
            if grant != "client_credentials" {
                return Err(HttpError::UnsupportedGrantType);
            }
            let client_id = required(input, "client_id")?;
            limits::admit(call.env, Limit::TokenByClient, &client_id).await?;
            let token = call
                .control
                .issue_token(
                    &required(input, "domain")?,
                    &client_id,
                    &required(input, "client_secret")?,
                )
                .await?;
            ok(token)
        }
        Operation::Operator(route) => {
            operator(request, call.env)?;
            let input = Input::read(request).await?;
            operator_route(route, call, &input, objects).await
        }
        Operation::Tenant(route) => {
            let token = bearer(request)?;
            let (tenant, client_id) =
                control::authenticate(&call.control, call.d1, &token, call.now).await?;
            // An import carries up to 500 URIs: its own, larger limit.
            let limit = match route {
                TenantRoute::Org(_, OrgRoute::ImportFactors) => input::MAX_IMPORT_BODY,
                _ => input::MAX_BODY,
            };
            let input = Input::read_within(request, limit).await?;
            let idempotency = idempotency(request, route, &input, client_id)?;
            tenant_route(route, call, &input, &tenant, idempotency, objects).await
        }
    }
}

async fn operator_route(
    route: OperatorRoute<'_>,
    call: &Call<'_>,
    input: &Input,
    objects: &mut u32,
) -> Result<Response> {
    let control = &call.control;
    match route {
        OperatorRoute::CreateAccount => created(AccountBody::from(
            control.create_account(&required(input, "domain")?).await?,
        )),
        OperatorRoute::Account(domain) => ok(AccountBody::from(control.account(domain).await?)),
        OperatorRoute::CreateApiKey(domain) => created(
            control
                .create_api_key(domain, &required(input, "environment")?)
                .await?,
        ),
        OperatorRoute::ApiKeys(domain) => {
            let keys = control.api_keys(domain).await?;
            ok(List {
                data: keys.into_iter().map(ApiKeyBody::from).collect(),
            })
        }
        OperatorRoute::RevokeApiKey(domain, client_id) => {
            control.revoke_api_key(domain, client_id).await?;
            control::forget_key(client_id);
            ok(Revoked {
                client_id,
                revoked: true,
            })
        }
        OperatorRoute::Reseal => {
            let limit = input.number("limit")?.unwrap_or(100);
            if !(1..=500).contains(&limit) {
                return Err(Error::invalid("limit", "must be between 1 and 500").into());
            }
            let total = reseal(call, limit as u32, objects).await?;
            ok(Resealed {
                key_id: call.keys.current_key_id(),
                resealed: total.resealed,
                remaining: total.remaining,
            })
        }
        OperatorRoute::Health => {
            call.control.ping().await?;
            *objects += 1;
            let object = org_object::ping(call.env, call.request_id).await?;
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
        OperatorRoute::ObjectHealth => {
            *objects += 1;
            Ok(org_object::ping(call.env, call.request_id).await?)
        }
        #[cfg(feature = "test-clock")]
        OperatorRoute::FireAlarm(id) => {
            let organization = control.organization_by_id(id).await?;
            *objects += 1;
            Ok(org_object::fire_alarm(call.env, &organization, call.now, call.request_id).await?)
        }
        OperatorRoute::Export(id) => {
            let organization = control.organization_by_id(id).await?;
            *objects += 1;
            let response = org_object::call(
                call.env,
                &organization,
                OrgCommand::Export,
                None,
                call.request_id,
                call.test_now,
            )
            .await?;
            Ok(response)
        }
    }
}

/// Walks the directory, re-sealing up to `limit` secrets across organizations' objects.
async fn reseal(call: &Call<'_>, limit: u32, objects: &mut u32) -> Result<ResealReport> {
    const WALK_PAGE: u32 = 100;
    let mut total = ResealReport::default();
    let mut after: Option<Organization> = None;
    'walk: loop {
        let organizations = call
            .control
            .all_organizations(after.as_ref(), WALK_PAGE)
            .await?;
        for organization in &organizations {
            if total.resealed >= limit {
                total.remaining = true;
                break 'walk;
            }
            let command = OrgCommand::Reseal {
                limit: limit - total.resealed,
            };
            *objects += 1;
            let mut response = org_object::call(
                call.env,
                organization,
                command,
                None,
                call.request_id,
                call.test_now,
            )
            .await?;
            if response.status_code() != 200 {
                // The object logged the cause under this request id.
                return Err(HttpError::internal(format!(
                    "re-seal failed in organization {} with status {}",
                    organization.id,
                    response.status_code()
                )));
            }
            let report: ResealReport = response.json().await.map_err(HttpError::internal)?;
            total.resealed += report.resealed;
            total.remaining |= report.remaining;
        }
        match organizations.last() {
            Some(last) if organizations.len() as u32 == WALK_PAGE => after = Some(last.clone()),
            _ => break,
        }
    }
    Ok(total)
}

async fn tenant_route(
    route: TenantRoute<'_>,
    call: &Call<'_>,
    input: &Input,
    tenant: &Tenant,
    idempotency: Option<IdempotentRequest>,
    objects: &mut u32,
) -> Result<Response> {
    let control = &call.control;
    match route {
        TenantRoute::CreateOrganization => {
            let create = || async {
                let name = required(input, "name")?;
                let organization = control
                    .create_organization(tenant, &name, &input.list("email_domains")?)
                    .await?;
                let body = serde_json::to_value(OrganizationBody::from(organization))
                    .map_err(Error::internal)?;
                Ok(Answer { status: 201, body })
            };
            let outcome = match idempotency {
                Some(request) => control.idempotent(tenant, &request, create).await?,
                None => Outcome {
                    answer: create().await?,
                    replayed: false,
                },
            };
            respond::outcome(&outcome).map_err(HttpError::internal)
        }
        TenantRoute::Organizations => {
            let page = control.organizations(tenant, input.page()?).await?;
            ok(page.map(OrganizationBody::from))
        }
        TenantRoute::Organization(domain) => {
            let organization = control::organization(call.d1, tenant, domain, call.now).await?;
            ok(OrganizationBody::from(organization))
        }
        TenantRoute::Org(domain, route) => {
            let organization = control::organization(call.d1, tenant, domain, call.now).await?;
            let command = org_command(route, input)?;
            *objects += 1;
            let response = org_object::call(
                call.env,
                &organization,
                command,
                idempotency,
                call.request_id,
                call.test_now,
            )
            .await?;
            Ok(response)
        }
    }
}
