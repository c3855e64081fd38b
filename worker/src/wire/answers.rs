//! The bodies of successful answers, one typed struct each: what a client may rely on is
//! written here, field by field, and records gain no field on the wire by being stored.

use serde::Serialize;

use totp_domain::model::{
    Account, ApiKey, AuditEvent, Connection, Enforcement, Environment, Method, Mfa, Organization,
    Profile, User,
};

/// `{"status": "ok"}`: the health checks.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
pub struct Health {
    #[cfg_attr(test, schema(schema_with = crate::api::openapi::ok))]
    pub status: &'static str,
}

impl Health {
    pub const OK: Self = Self { status: "ok" };
}

/// The operator's deep check: D1 and an organization object answered.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
pub struct DeepHealth {
    #[cfg_attr(test, schema(schema_with = crate::api::openapi::ok))]
    pub status: &'static str,
    #[cfg_attr(test, schema(schema_with = crate::api::openapi::ok))]
    pub d1: &'static str,
    #[cfg_attr(test, schema(schema_with = crate::api::openapi::ok))]
    pub object: &'static str,
}

/// A list that is not paged.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
pub struct List<T> {
    pub data: Vec<T>,
}

/// An operator's account.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = Account))]
pub struct AccountBody {
    pub id: String,
    pub domain: String,
    /// Unix seconds.
    pub created_at: u64,
}

impl From<Account> for AccountBody {
    fn from(account: Account) -> Self {
        Self {
            id: account.id,
            domain: account.domain,
            created_at: account.created_at,
        }
    }
}

/// An API key as listed: never its secret or hash.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = ApiKey))]
pub struct ApiKeyBody {
    pub client_id: String,
    pub environment: Environment,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds; null while the key is live.
    #[cfg_attr(test, schema(required = true))]
    pub revoked_at: Option<u64>,
}

impl From<ApiKey> for ApiKeyBody {
    fn from(key: ApiKey) -> Self {
        Self {
            client_id: key.client_id,
            environment: key.environment,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// A revoked API key.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
pub struct Revoked<'a> {
    pub client_id: &'a str,
    #[cfg_attr(test, schema(schema_with = totp_domain::openapi::always_true))]
    pub revoked: bool,
}

/// What a re-seal pass did across organizations.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = ResealReport))]
pub struct Resealed<'a> {
    pub key_id: &'a str,
    /// Factors (their active and pending TOTP secrets) and user profiles moved to the current
    /// key in this pass.
    pub resealed: u32,
    /// Secrets or profiles under older keys remain: run another pass.
    pub remaining: bool,
}

/// An organization: not its account.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = Organization))]
pub struct OrganizationBody {
    pub id: String,
    /// Derived from the name, e.g. communitiz-app.
    pub domain: String,
    pub name: String,
    pub email_domains: Vec<String>,
    pub environment: Environment,
    /// Unix seconds.
    pub created_at: u64,
}

impl From<Organization> for OrganizationBody {
    fn from(org: Organization) -> Self {
        Self {
            id: org.id,
            domain: org.domain,
            name: org.name,
            email_domains: org.email_domains,
            environment: org.environment,
            created_at: org.created_at,
        }
    }
}

/// A user, with its organization's domain.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = User))]
pub struct UserBody<'a> {
    pub id: String,
    pub organization_domain: &'a str,
    pub profile: ProfileBody,
    /// Unix seconds.
    pub created_at: u64,
    /// Where the user stands with the organization's MFA policy.
    pub mfa: Mfa,
}

impl<'a> UserBody<'a> {
    pub fn new(org: &'a Organization, user: User) -> Self {
        Self {
            id: user.id,
            organization_domain: &org.domain,
            profile: user.profile.into(),
            created_at: user.created_at,
            mfa: user.mfa,
        }
    }
}

/// A user's profile.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = Profile))]
pub struct ProfileBody {
    pub email: String,
    #[cfg_attr(test, schema(required = true))]
    pub given_name: Option<String>,
    #[cfg_attr(test, schema(required = true))]
    pub family_name: Option<String>,
    #[cfg_attr(test, schema(required = true))]
    pub phone_number: Option<String>,
}

impl From<Profile> for ProfileBody {
    fn from(profile: Profile) -> Self {
        Self {
            email: profile.email,
            given_name: profile.given_name,
            family_name: profile.family_name,
            phone_number: profile.phone_number,
        }
    }
}

/// An organization's TOTP connection.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = Connection))]
pub struct ConnectionBody {
    pub active: bool,
    pub method: Method,
    #[cfg_attr(test, schema(schema_with = crate::api::openapi::algorithm))]
    pub algorithm: &'static str,
    #[cfg_attr(test, schema(schema_with = crate::api::openapi::digits))]
    pub digits: usize,
    #[cfg_attr(test, schema(minimum = 15, maximum = 60))]
    pub period: u64,
    #[cfg_attr(test, schema(minimum = 0, maximum = 1))]
    pub skew: u8,
    pub issuer: String,
    #[cfg_attr(test, schema(minimum = 1, maximum = 20))]
    pub max_attempts: u32,
    /// `required`: every user must have a validated factor once their grace period ends.
    pub enforcement: Enforcement,
    /// Days a user has to enroll once MFA is required.
    #[cfg_attr(test, schema(minimum = 0, maximum = 90))]
    pub enrollment_grace_days: u32,
    /// Days a remembered device stays trusted; 0 turns trusted devices off.
    #[cfg_attr(test, schema(minimum = 0, maximum = 90))]
    pub trusted_device_days: u32,
    /// Unix seconds.
    pub updated_at: u64,
}

impl From<Connection> for ConnectionBody {
    fn from(connection: Connection) -> Self {
        Self {
            active: connection.active,
            method: connection.method,
            algorithm: connection.algorithm.as_str(),
            digits: connection.digits.count(),
            period: connection.period,
            skew: connection.skew,
            issuer: connection.issuer,
            max_attempts: connection.max_attempts,
            enforcement: connection.enforcement,
            enrollment_grace_days: connection.enrollment_grace_days,
            trusted_device_days: connection.trusted_device_days,
            updated_at: connection.updated_at,
        }
    }
}

/// An entry of the audit trail.
#[derive(Serialize)]
#[cfg_attr(test, derive(utoipa::ToSchema))]
#[cfg_attr(test, schema(as = AuditEvent))]
pub struct AuditEventBody {
    /// Unix seconds.
    pub at: u64,
    pub event: String,
    #[cfg_attr(test, schema(required = true))]
    pub user_id: Option<String>,
    #[cfg_attr(test, schema(required = true))]
    pub detail: Option<String>,
}

impl From<AuditEvent> for AuditEventBody {
    fn from(event: AuditEvent) -> Self {
        Self {
            at: event.at,
            event: event.event,
            user_id: event.user_id,
            detail: event.detail,
        }
    }
}
