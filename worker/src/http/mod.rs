//! The HTTP ring: routing, authentication, input and the error shape. Everything else is the
//! domain's.

mod bodies;
mod body;
mod respond;
mod routes;

use serde_json::json;
use subtle::ConstantTimeEq;
use worker::{Context, Date, Env, Request, Response, event};

use crate::domain::error::{Error, Result};
use crate::domain::keys::Keys;
use crate::domain::model::Tenant;
use crate::domain::{ConnectionUpdate, FixedClock, NewUser, Service, new_id};
use crate::storage::d1::D1Store;
use bodies::{api_key_body, connection_body, organization_body, user_body};
use body::Input;
use routes::{OperatorRoute, Route, TenantRoute, allowed_methods, route};

type Api<'a> = Service<'a, D1Store, FixedClock>;

/// The API's own OpenAPI 3.1 document; tests check real responses against it.
const OPENAPI: &str = include_str!("../../openapi.json");

#[event(fetch)]
async fn fetch(mut request: Request, env: Env, _context: Context) -> worker::Result<Response> {
    let request_id = new_id().unwrap_or_default();
    let path = request.path();
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

    let Some(route) = route(&method, &segments) else {
        return respond::no_route(&allowed_methods(&segments));
    };
    if let Route::OpenApi = route {
        return respond::raw_json(OPENAPI);
    }
    let outcome = async {
        let input = Input::read(&mut request).await?;
        let store = D1Store::new(env.d1("DB").map_err(Error::internal)?);
        let keys = keys(&env)?;
        let now = Date::now().as_millis() / 1000;
        let service = Service::new(&store, &keys, FixedClock(now));
        handle(route, &service, &request, &env, &input).await
    }
    .await;
    let response = match outcome {
        Ok((status, body)) => respond::json(status, &body)?,
        Err(error) => respond::error(&error, &request_id, oauth)?,
    };
    worker::console_log!(
        "{request_id} {method} {} {}",
        route.name(),
        response.status_code()
    );
    Ok(response)
}

fn keys(env: &Env) -> Result<Keys> {
    let secret = |name: &str| {
        env.secret(name)
            .map(|value| value.to_string())
            .map_err(|_| Error::internal(format!("the Worker secret {name} is not set")))
    };
    Keys::from_config(
        &secret("SECRET_SEALING_KEYS")?,
        &secret("TOKEN_SIGNING_KEY")?,
        &secret("RECOVERY_HASH_KEY")?,
    )
}

type Answer = (u16, serde_json::Value);

fn ok(body: impl serde::Serialize) -> Result<Answer> {
    Ok((200, serde_json::to_value(body).map_err(Error::internal)?))
}

fn created(body: impl serde::Serialize) -> Result<Answer> {
    Ok((201, serde_json::to_value(body).map_err(Error::internal)?))
}

fn required(input: &Input, field: &'static str) -> Result<String> {
    input
        .text(field)?
        .ok_or_else(|| Error::invalid(field, "is required"))
}

async fn handle(
    route: Route<'_>,
    api: &Api<'_>,
    request: &Request,
    env: &Env,
    input: &Input,
) -> Result<Answer> {
    match route {
        Route::Health => {
            api.ping().await?;
            ok(json!({ "status": "ok" }))
        }
        Route::Token => {
            let grant = input.text("grant_type")?.unwrap_or_default();
            if grant != "client_credentials" {
                return Err(Error::BadRequest(
                    "grant_type must be client_credentials".into(),
                ));
            }
            let token = api
                .issue_token(
                    &required(input, "domain")?,
                    &required(input, "client_id")?,
                    &required(input, "client_secret")?,
                )
                .await?;
            ok(token)
        }
        Route::Operator(route) => {
            operator(request, env)?;
            operator_route(route, api, input).await
        }
        Route::Tenant(route) => {
            let tenant = api.authenticate(&bearer(request)?).await?;
            tenant_route(route, api, &tenant, input).await
        }
        Route::OpenApi => Ok((200, serde_json::from_str(OPENAPI).map_err(Error::internal)?)),
    }
}

async fn operator_route(route: OperatorRoute<'_>, api: &Api<'_>, input: &Input) -> Result<Answer> {
    match route {
        OperatorRoute::CreateAccount => {
            created(api.create_account(&required(input, "domain")?).await?)
        }
        OperatorRoute::Account(domain) => ok(api.account(domain).await?),
        OperatorRoute::CreateApiKey(domain) => created(
            api.create_api_key(domain, &required(input, "environment")?)
                .await?,
        ),
        OperatorRoute::ApiKeys(domain) => {
            let keys: Vec<_> = api
                .api_keys(domain)
                .await?
                .iter()
                .map(api_key_body)
                .collect();
            ok(json!({ "data": keys }))
        }
        OperatorRoute::Reseal => {
            let limit = input.number("limit")?.unwrap_or(100);
            if !(1..=500).contains(&limit) {
                return Err(Error::invalid("limit", "must be between 1 and 500"));
            }
            ok(api.reseal(limit as u32).await?)
        }
        OperatorRoute::RevokeApiKey(domain, client_id) => {
            api.revoke_api_key(domain, client_id).await?;
            ok(json!({ "client_id": client_id, "revoked": true }))
        }
    }
}

async fn tenant_route(
    route: TenantRoute<'_>,
    api: &Api<'_>,
    tenant: &Tenant,
    input: &Input,
) -> Result<Answer> {
    match route {
        TenantRoute::CreateOrganization => {
            let name = required(input, "name")?;
            created(organization_body(
                api.create_organization(tenant, &name, &input.list("email_domains")?)
                    .await?,
            ))
        }
        TenantRoute::Organizations => {
            let page = api.organizations(tenant, input.page()?).await?;
            ok(page)
        }
        TenantRoute::Organization(domain) => {
            ok(organization_body(api.organization(tenant, domain).await?))
        }
        TenantRoute::CreateUser(domain) => {
            let org = api.organization(tenant, domain).await?;
            let field = |name: &'static str, key: &str| -> Result<Option<String>> {
                Ok(input
                    .text_at(name, &["profile", key])?
                    .or(input.text(name)?))
            };
            let new = NewUser {
                email: field("email", "email")?,
                given_name: field("given_name", "given_name")?,
                family_name: field("family_name", "family_name")?,
                phone_number: field("phone_number", "phone_number")?,
            };
            created(user_body(&org, api.create_user(&org, new).await?))
        }
        TenantRoute::Users(domain) => {
            let org = api.organization(tenant, domain).await?;
            let page = api.users(&org, input.page()?).await?;
            let data: Vec<_> = page
                .data
                .iter()
                .cloned()
                .map(|user| user_body(&org, user))
                .collect();
            ok(json!({
                "data": data,
                "total_count": page.total_count,
                "page": page.page,
                "per_page": page.per_page,
                "next_page": page.next_page,
                "previous_page": page.previous_page,
            }))
        }
        TenantRoute::User(domain, id) => {
            let org = api.organization(tenant, domain).await?;
            ok(user_body(&org, api.user(&org, id).await?))
        }
        TenantRoute::Connection(domain) => ok(connection_body(
            &api.connection(&api.organization(tenant, domain).await?)
                .await?,
        )),
        TenantRoute::UpdateConnection(domain) => {
            let update = ConnectionUpdate {
                active: input.boolean("active")?,
                method: input.text("method")?,
                algorithm: input.text("algorithm")?,
                digits: input.number("digits")?,
                period: input.number("period")?,
                skew: input.number("skew")?,
                issuer: input.text("issuer")?,
                max_attempts: input.number("max_attempts")?,
            };
            ok(connection_body(
                &api.update_connection(&api.organization(tenant, domain).await?, update)
                    .await?,
            ))
        }
        TenantRoute::Enroll(domain) => {
            let force = input.boolean("force_enroll")?.unwrap_or(false);
            created(
                api.enroll(
                    &api.organization(tenant, domain).await?,
                    &required(input, "user_id")?,
                    force,
                )
                .await?,
            )
        }
        TenantRoute::ValidateEnrollment(domain, user) => ok(api
            .validate_enrollment(
                &api.organization(tenant, domain).await?,
                user,
                &required(input, "code")?,
            )
            .await?),
        TenantRoute::Challenge(domain, user) => created(
            api.create_challenge(&api.organization(tenant, domain).await?, user)
                .await?,
        ),
        TenantRoute::ValidateChallenge(domain, user) => ok(api
            .validate_challenge(
                &api.organization(tenant, domain).await?,
                user,
                &required(input, "code")?,
            )
            .await?),
        TenantRoute::AuditEvents(domain) => ok(api
            .audit_events(&api.organization(tenant, domain).await?, input.page()?)
            .await?),
    }
}

fn bearer(request: &Request) -> Result<String> {
    let header = request
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .unwrap_or_default();
    match header.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(Error::Unauthorized("a bearer access token is required")),
    }
}

/// Operator routes need `Authorization: Bearer <OPERATOR_TOKEN>`, compared in constant time.
fn operator(request: &Request, env: &Env) -> Result<()> {
    let expected = env
        .secret("OPERATOR_TOKEN")
        .map(|value| value.to_string())
        .map_err(|_| {
            Error::Forbidden("operator routes are disabled: OPERATOR_TOKEN is not set".into())
        })?;
    let presented = bearer(request)?;
    let equal = presented.len() == expected.len()
        && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()));
    if !equal || expected.len() < 16 {
        return Err(Error::Unauthorized("invalid operator token"));
    }
    Ok(())
}
