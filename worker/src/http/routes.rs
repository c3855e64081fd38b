//! Which operation a method and path name.

use worker::Method;

/// Every operation of the API, by who may call it.
#[derive(Clone, Copy, Debug)]
pub enum Route<'a> {
    Health,
    OpenApi,
    Token,
    /// Guarded by the `OPERATOR_TOKEN` secret.
    Operator(OperatorRoute<'a>),
    /// For an account's bearer token, within its environment.
    Tenant(TenantRoute<'a>),
}

/// Accounts, API keys and key rotation.
#[derive(Clone, Copy, Debug)]
pub enum OperatorRoute<'a> {
    CreateAccount,
    Account(&'a str),
    CreateApiKey(&'a str),
    ApiKeys(&'a str),
    RevokeApiKey(&'a str, &'a str),
    Reseal,
}

/// The integration guide's API.
#[derive(Clone, Copy, Debug)]
pub enum TenantRoute<'a> {
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

impl Route<'_> {
    /// The operation's name for logs, never its arguments (paths carry emails and ids).
    pub fn name(&self) -> String {
        let debug = match self {
            Self::Operator(route) => format!("{route:?}"),
            Self::Tenant(route) => format!("{route:?}"),
            other => format!("{other:?}"),
        };
        debug.split('(').next().unwrap_or_default().to_owned()
    }
}

pub fn route<'a>(method: &Method, segments: &[&'a str]) -> Option<Route<'a>> {
    use Method::{Delete, Get, Post, Put};
    let route = match (method, segments) {
        (Get, ["health"]) => Route::Health,
        (Get, ["openapi.json"]) => Route::OpenApi,
        (Post, ["oauth", "token"]) => Route::Token,
        (Post, ["admin", "accounts"]) => Route::Operator(OperatorRoute::CreateAccount),
        (Get, ["admin", "accounts", domain]) => Route::Operator(OperatorRoute::Account(domain)),
        (Post, ["admin", "accounts", domain, "api-keys"]) => {
            Route::Operator(OperatorRoute::CreateApiKey(domain))
        }
        (Get, ["admin", "accounts", domain, "api-keys"]) => {
            Route::Operator(OperatorRoute::ApiKeys(domain))
        }
        (Delete, ["admin", "accounts", domain, "api-keys", id]) => {
            Route::Operator(OperatorRoute::RevokeApiKey(domain, id))
        }
        (Post, ["admin", "reseal"]) => Route::Operator(OperatorRoute::Reseal),
        (Post, ["api", "v2", "organizations"]) => Route::Tenant(TenantRoute::CreateOrganization),
        (Get, ["api", "v2", "organizations"]) => Route::Tenant(TenantRoute::Organizations),
        (Get, ["api", "v2", "organizations", domain]) => {
            Route::Tenant(TenantRoute::Organization(domain))
        }
        (Post, ["api", "v2", "org", org, "users"]) => Route::Tenant(TenantRoute::CreateUser(org)),
        (Get, ["api", "v2", "org", org, "users"]) => Route::Tenant(TenantRoute::Users(org)),
        (Get, ["api", "v2", "org", org, "users", id]) => Route::Tenant(TenantRoute::User(org, id)),
        (Get, ["api", "v2", "org", org, "totp-connection"]) => {
            Route::Tenant(TenantRoute::Connection(org))
        }
        (Put, ["api", "v2", "org", org, "totp-connection"]) => {
            Route::Tenant(TenantRoute::UpdateConnection(org))
        }
        (Post, ["api", "v2", "org", org, "totp-enrollment"]) => {
            Route::Tenant(TenantRoute::Enroll(org))
        }
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
        ) => Route::Tenant(TenantRoute::ValidateEnrollment(org, user)),
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
        ) => Route::Tenant(TenantRoute::ValidateChallenge(org, user)),
        (Post, ["api", "v2", "org", org, "totp-challenge", user]) => {
            Route::Tenant(TenantRoute::Challenge(org, user))
        }
        (Get, ["api", "v2", "org", org, "audit-events"]) => {
            Route::Tenant(TenantRoute::AuditEvents(org))
        }
        _ => return None,
    };
    Some(route)
}

/// The methods that some route accepts at this path.
pub fn allowed_methods(segments: &[&str]) -> Vec<&'static str> {
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
