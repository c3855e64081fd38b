//! Which operation a method and path name.

use worker::Method;

/// What a method and path name: the API's document, or one of its operations.
#[derive(Clone, Copy, Debug)]
pub enum Route<'a> {
    /// The OpenAPI document: static, served before anything is configured.
    OpenApi,
    Operation(Operation<'a>),
}

/// Every operation of the API, by who may call it.
#[derive(Clone, Copy, Debug)]
pub enum Operation<'a> {
    /// Liveness: reaches neither D1 nor an object, so it costs no shared resource.
    Health,
    /// Rate-limited per client address and per client id before D1 is read.
    Token,
    /// Guarded by the `OPERATOR_TOKEN` secret.
    Operator(OperatorRoute<'a>),
    /// For an account's bearer token, within its environment.
    Tenant(TenantRoute<'a>),
}

/// Accounts, API keys, key rotation, exports and the deep health checks.
#[derive(Clone, Copy, Debug)]
pub enum OperatorRoute<'a> {
    CreateAccount,
    Account(&'a str),
    CreateApiKey(&'a str),
    ApiKeys(&'a str),
    RevokeApiKey(&'a str, &'a str),
    /// Every organization's object, through the directory.
    Reseal,
    /// One organization's data, by organization id.
    Export(&'a str),
    /// D1 once and an organization object once.
    Health,
    /// An organization object once and nothing else: the cost of the hop.
    ObjectHealth,
    /// Test builds only: runs an organization object's alarm at the test's time.
    #[cfg(feature = "test-clock")]
    FireAlarm(&'a str),
}

/// The integration guide's API.
#[derive(Clone, Copy, Debug)]
pub enum TenantRoute<'a> {
    CreateOrganization,
    Organizations,
    Organization(&'a str),
    /// Under `/api/v2/org/{org_domain}/`: served by that organization's object.
    Org(&'a str, OrgRoute<'a>),
}

/// An operation inside one organization.
#[derive(Clone, Copy, Debug)]
pub enum OrgRoute<'a> {
    CreateUser,
    Users,
    User(&'a str),
    UpdateUser(&'a str),
    DeleteUser(&'a str),
    Connection,
    UpdateConnection,
    Enroll,
    ValidateEnrollment(&'a str),
    DeleteEnrollment(&'a str),
    RegenerateRecoveryCodes(&'a str),
    ImportFactors,
    Challenge(&'a str),
    ValidateChallenge(&'a str),
    AuditEvents,
}

impl Route<'_> {
    /// The route's name for logs, never its arguments (paths carry emails and ids).
    pub fn name(&self) -> &'static str {
        match self {
            Self::OpenApi => "OpenApi",
            Self::Operation(operation) => operation.name(),
        }
    }
}

impl Operation<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::Health => "Health",
            Self::Token => "Token",
            Self::Operator(route) => route.name(),
            Self::Tenant(TenantRoute::Org(_, route)) => route.name(),
            Self::Tenant(route) => route.name(),
        }
    }
}

impl OperatorRoute<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::CreateAccount => "CreateAccount",
            Self::Account(_) => "Account",
            Self::CreateApiKey(_) => "CreateApiKey",
            Self::ApiKeys(_) => "ApiKeys",
            Self::RevokeApiKey(..) => "RevokeApiKey",
            Self::Reseal => "Reseal",
            Self::Export(_) => "Export",
            Self::Health => "DeepHealth",
            Self::ObjectHealth => "ObjectHealth",
            #[cfg(feature = "test-clock")]
            Self::FireAlarm(_) => "FireAlarm",
        }
    }
}

impl TenantRoute<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::CreateOrganization => "CreateOrganization",
            Self::Organizations => "Organizations",
            Self::Organization(_) => "Organization",
            Self::Org(_, route) => route.name(),
        }
    }
}

impl OrgRoute<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::CreateUser => "CreateUser",
            Self::Users => "Users",
            Self::User(_) => "User",
            Self::UpdateUser(_) => "UpdateUser",
            Self::DeleteUser(_) => "DeleteUser",
            Self::Connection => "Connection",
            Self::UpdateConnection => "UpdateConnection",
            Self::Enroll => "Enroll",
            Self::ValidateEnrollment(_) => "ValidateEnrollment",
            Self::DeleteEnrollment(_) => "DeleteEnrollment",
            Self::RegenerateRecoveryCodes(_) => "RegenerateRecoveryCodes",
            Self::ImportFactors => "ImportFactors",
            Self::Challenge(_) => "Challenge",
            Self::ValidateChallenge(_) => "ValidateChallenge",
            Self::AuditEvents => "AuditEvents",
        }
    }
}

pub fn route<'a>(method: &Method, segments: &[&'a str]) -> Option<Route<'a>> {
    use Method::{Delete, Get, Post};
    if let (Get, ["openapi.json"]) = (method, segments) {
        return Some(Route::OpenApi);
    }
    let operation = match (method, segments) {
        (Get, ["health"]) => Operation::Health,
        (Post, ["oauth", "token"]) => Operation::Token,
        (Post, ["admin", "accounts"]) => Operation::Operator(OperatorRoute::CreateAccount),
        (Get, ["admin", "accounts", domain]) => Operation::Operator(OperatorRoute::Account(domain)),
        (Post, ["admin", "accounts", domain, "api-keys"]) => {
            Operation::Operator(OperatorRoute::CreateApiKey(domain))
        }
        (Get, ["admin", "accounts", domain, "api-keys"]) => {
            Operation::Operator(OperatorRoute::ApiKeys(domain))
        }
        (Delete, ["admin", "accounts", domain, "api-keys", id]) => {
            Operation::Operator(OperatorRoute::RevokeApiKey(domain, id))
        }
        (Post, ["admin", "reseal"]) => Operation::Operator(OperatorRoute::Reseal),
        (Get, ["admin", "health"]) => Operation::Operator(OperatorRoute::Health),
        (Get, ["admin", "health", "object"]) => Operation::Operator(OperatorRoute::ObjectHealth),
        (Get, ["admin", "organizations", id, "export"]) => {
            Operation::Operator(OperatorRoute::Export(id))
        }
        #[cfg(feature = "test-clock")]
        (Post, ["admin", "organizations", id, "alarm"]) => {
            Operation::Operator(OperatorRoute::FireAlarm(id))
        }
        (Post, ["api", "v2", "organizations"]) => {
            Operation::Tenant(TenantRoute::CreateOrganization)
        }
        (Get, ["api", "v2", "organizations"]) => Operation::Tenant(TenantRoute::Organizations),
        (Get, ["api", "v2", "organizations", domain]) => {
            Operation::Tenant(TenantRoute::Organization(domain))
        }
        (method, ["api", "v2", "org", org, rest @ ..]) => {
            Operation::Tenant(TenantRoute::Org(org, org_route(method, rest)?))
        }
        _ => return None,
    };
    Some(Route::Operation(operation))
}

fn org_route<'a>(method: &Method, segments: &[&'a str]) -> Option<OrgRoute<'a>> {
    use Method::{Delete, Get, Patch, Post, Put};
    let route = match (method, segments) {
        (Post, ["users"]) => OrgRoute::CreateUser,
        (Get, ["users"]) => OrgRoute::Users,
        (Get, ["users", id]) => OrgRoute::User(id),
        (Patch, ["users", id]) => OrgRoute::UpdateUser(id),
        (Delete, ["users", id]) => OrgRoute::DeleteUser(id),
        (Get, ["totp-connection"]) => OrgRoute::Connection,
        (Put, ["totp-connection"]) => OrgRoute::UpdateConnection,
        (Post, ["totp-enrollment"]) => OrgRoute::Enroll,
        (Put, ["totp-enrollment", "validation", user]) => OrgRoute::ValidateEnrollment(user),
        (Delete, ["totp-enrollment", user]) => OrgRoute::DeleteEnrollment(user),
        (Post, ["totp-recovery-codes", user]) => OrgRoute::RegenerateRecoveryCodes(user),
        (Post, ["totp-import"]) => OrgRoute::ImportFactors,
        (Post, ["totp-challenge", "validation", user]) => OrgRoute::ValidateChallenge(user),
        (Post, ["totp-challenge", user]) => OrgRoute::Challenge(user),
        (Get, ["audit-events"]) => OrgRoute::AuditEvents,
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
        (Method::Patch, "PATCH"),
        (Method::Delete, "DELETE"),
    ]
    .into_iter()
    .filter(|(method, _)| route(method, segments).is_some())
    .map(|(_, name)| name)
    .collect()
}
