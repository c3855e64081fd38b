//! The HTTP ring: routing, authentication, input and the error shape. Everything else is the
//! domain's.

mod body;
mod respond;

use serde_json::json;
use subtle::ConstantTimeEq;
use worker::{Context, Date, Env, Method, Request, Response, event};

use crate::domain::error::{Error, Result};
use crate::domain::keys::Keys;
use crate::domain::model::{Organization, Tenant};
use crate::domain::{ConnectionUpdate, FixedClock, NewUser, Service, new_id};
use crate::storage::d1::D1Store;
use body::Input;

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
    // The operation's name only: paths carry emails and ids, bodies carry codes.
    let operation = format!("{route:?}");
    let operation = operation.split('(').next().unwrap_or_default();
    worker::console_log!(
        "{request_id} {method} {operation} {}",
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

/// Every operation of the API.
#[derive(Clone, Copy, Debug)]
enum Route<'a> {
    Health,
    OpenApi,
    Token,
    CreateAccount,
    Account(&'a str),
    CreateApiKey(&'a str),
    ApiKeys(&'a str),
    RevokeApiKey(&'a str, &'a str),
    Reseal,
    CreateOrganization,
    Organizations,
    Organization(&'a str),
    CreateUser(&'a str),
    Users(&'a str),
    User(&'a str, &'a str),
    Connection(&'a str),
    UpdateConnection(&'a str),
    Enroll(&'a str),
    ValidateEnrollment(&'a str, &'a str),
    Challenge(&'a str, &'a str),
    ValidateChallenge(&'a str, &'a str),
    AuditEvents(&'a str),
}

fn route<'a>(method: &Method, segments: &[&'a str]) -> Option<Route<'a>> {
    use Method::{Delete, Get, Post, Put};
    let route = match (method, segments) {
        (Get, ["health"]) => Route::Health,
        (Get, ["openapi.json"]) => Route::OpenApi,
        (Post, ["oauth", "token"]) => Route::Token,
        (Post, ["admin", "accounts"]) => Route::CreateAccount,
        (Get, ["admin", "accounts", domain]) => Route::Account(domain),
        (Post, ["admin", "accounts", domain, "api-keys"]) => Route::CreateApiKey(domain),
        (Get, ["admin", "accounts", domain, "api-keys"]) => Route::ApiKeys(domain),
        (Delete, ["admin", "accounts", domain, "api-keys", id]) => Route::RevokeApiKey(domain, id),
        (Post, ["admin", "reseal"]) => Route::Reseal,
        (Post, ["api", "v2", "organizations"]) => Route::CreateOrganization,
        (Get, ["api", "v2", "organizations"]) => Route::Organizations,
        (Get, ["api", "v2", "organizations", domain]) => Route::Organization(domain),
        (Post, ["api", "v2", "org", org, "users"]) => Route::CreateUser(org),
        (Get, ["api", "v2", "org", org, "users"]) => Route::Users(org),
        (Get, ["api", "v2", "org", org, "users", id]) => Route::User(org, id),
        (Get, ["api", "v2", "org", org, "totp-connection"]) => Route::Connection(org),
        (Put, ["api", "v2", "org", org, "totp-connection"]) => Route::UpdateConnection(org),
        (Post, ["api", "v2", "org", org, "totp-enrollment"]) => Route::Enroll(org),
        (
            Put,
            [
                "api",
                "v2",
                "org",
                org,
                "totp-enrollment",
                "validation",
                user,
            ],
        ) => Route::ValidateEnrollment(org, user),
        (
            Post,
            [
                "api",
                "v2",
                "org",
                org,
                "totp-challenge",
                "validation",
                user,
            ],
        ) => Route::ValidateChallenge(org, user),
        (Post, ["api", "v2", "org", org, "totp-challenge", user]) => Route::Challenge(org, user),
        (Get, ["api", "v2", "org", org, "audit-events"]) => Route::AuditEvents(org),
        _ => return None,
    };
    Some(route)
}

/// The methods that some route accepts at this path.
fn allowed_methods(segments: &[&str]) -> Vec<&'static str> {
    [
        (Method::Get, "GET"),
        (Method::Post, "POST"),
        (Method::Put, "PUT"),
        (Method::Delete, "DELETE"),
    ]
    .into_iter()
    .filter(|(method, _)| route(method, segments).is_some())
    .map(|(_, name)| name)
    .collect()
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
        Route::CreateAccount
        | Route::Account(_)
        | Route::CreateApiKey(_)
        | Route::ApiKeys(_)
        | Route::RevokeApiKey(..)
        | Route::Reseal => {
            operator(request, env)?;
            match route {
                Route::CreateAccount => {
                    created(api.create_account(&required(input, "domain")?).await?)
                }
                Route::Account(domain) => ok(api.account(domain).await?),
                Route::CreateApiKey(domain) => created(
                    api.create_api_key(domain, &required(input, "environment")?)
                        .await?,
                ),
                Route::ApiKeys(domain) => {
                    let keys = api.api_keys(domain).await?;
                    let keys: Vec<_> = keys
                        .iter()
                        .map(|key| {
                            json!({
                                "client_id": key.client_id,
                                "environment": key.environment,
                                "created_at": key.created_at,
                                "revoked_at": key.revoked_at,
                            })
                        })
                        .collect();
                    ok(json!({ "data": keys }))
                }
                Route::Reseal => {
                    let limit = input.number("limit")?.unwrap_or(100);
                    if !(1..=500).contains(&limit) {
                        return Err(Error::invalid("limit", "must be between 1 and 500"));
                    }
                    ok(api.reseal(limit as u32).await?)
                }
                Route::RevokeApiKey(domain, client_id) => {
                    api.revoke_api_key(domain, client_id).await?;
                    ok(json!({ "client_id": client_id, "revoked": true }))
                }
                _ => Err(Error::internal("unreachable operator route")),
            }
        }
        _ => {
            let tenant = api.authenticate(&bearer(request)?).await?;
            tenant_route(route, api, &tenant, input).await
        }
    }
}

async fn tenant_route(
    route: Route<'_>,
    api: &Api<'_>,
    tenant: &Tenant,
    input: &Input,
) -> Result<Answer> {
    match route {
        Route::CreateOrganization => {
            let name = required(input, "name")?;
            created(organization_body(
                api.create_organization(tenant, &name, &input.list("email_domains")?)
                    .await?,
            ))
        }
        Route::Organizations => {
            let page = api.organizations(tenant, input.page()?).await?;
            ok(page)
        }
        Route::Organization(domain) => {
            ok(organization_body(api.organization(tenant, domain).await?))
        }
        Route::CreateUser(domain) => {
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
        Route::Users(domain) => {
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
        Route::User(domain, id) => {
            let org = api.organization(tenant, domain).await?;
            ok(user_body(&org, api.user(&org, id).await?))
        }
        Route::Connection(domain) => ok(connection_body(
            &api.connection(&api.organization(tenant, domain).await?)
                .await?,
        )),
        Route::UpdateConnection(domain) => {
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
        Route::Enroll(domain) => {
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
        Route::ValidateEnrollment(domain, user) => ok(api
            .validate_enrollment(
                &api.organization(tenant, domain).await?,
                user,
                &required(input, "code")?,
            )
            .await?),
        Route::Challenge(domain, user) => created(
            api.create_challenge(&api.organization(tenant, domain).await?, user)
                .await?,
        ),
        Route::ValidateChallenge(domain, user) => ok(api
            .validate_challenge(
                &api.organization(tenant, domain).await?,
                user,
                &required(input, "code")?,
            )
            .await?),
        Route::AuditEvents(domain) => ok(api
            .audit_events(&api.organization(tenant, domain).await?, input.page()?)
            .await?),
        Route::Health
        | Route::OpenApi
        | Route::Token
        | Route::CreateAccount
        | Route::Account(_)
        | Route::CreateApiKey(_)
        | Route::ApiKeys(_)
        | Route::RevokeApiKey(..)
        | Route::Reseal => Err(Error::internal("not a tenant route")),
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

fn organization_body(org: Organization) -> serde_json::Value {
    json!({
        "id": org.id,
        "domain": org.domain,
        "name": org.name,
        "email_domains": org.email_domains,
        "environment": org.environment,
        "created_at": org.created_at,
    })
}

fn user_body(org: &Organization, user: crate::domain::model::User) -> serde_json::Value {
    json!({
        "id": user.id,
        "organization_domain": org.domain,
        "profile": user.profile,
        "created_at": user.created_at,
    })
}

fn connection_body(connection: &crate::domain::model::Connection) -> serde_json::Value {
    json!({
        "active": connection.active,
        "method": connection.method,
        "algorithm": connection.algorithm.as_str(),
        "digits": connection.digits.count(),
        "period": connection.period,
        "skew": connection.skew,
        "issuer": connection.issuer,
        "max_attempts": connection.max_attempts,
        "updated_at": connection.updated_at,
    })
}
