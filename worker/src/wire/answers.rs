//! The bodies of successful answers, one typed struct each: what a client may rely on is
//! written here, field by field, and records gain no field on the wire by being stored.

use serde::Serialize;

use totp_domain::model::{
    Account, ApiKey, AuditEvent, Connection, Environment, Method, Organization, Profile, User,
};

/// `{"status": "ok"}`: the health checks.
#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
}

impl Health {
    pub const OK: Self = Self { status: "ok" };
}

/// The operator's deep check: D1 and an organization object answered.
#[derive(Serialize)]
pub struct DeepHealth {
    pub status: &'static str,
    pub d1: &'static str,
    pub object: &'static str,
}

/// A list that is not paged.
#[derive(Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

/// An operator's account.
#[derive(Serialize)]
pub struct AccountBody {
    pub id: String,
    pub domain: String,
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
pub struct ApiKeyBody {
    pub client_id: String,
    pub environment: Environment,
    pub created_at: u64,
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
pub struct Revoked<'a> {
    pub client_id: &'a str,
    pub revoked: bool,
}

/// What a re-seal pass did across organizations.
#[derive(Serialize)]
pub struct Resealed<'a> {
    pub key_id: &'a str,
    pub resealed: u32,
    pub remaining: bool,
}

/// Everything an organization's object holds, with its directory entry (operators only).
#[derive(Serialize)]
pub struct ExportBody<'a, T> {
    pub organization: &'a Organization,
    pub data: T,
}

/// An organization: not its account.
#[derive(Serialize)]
pub struct OrganizationBody {
    pub id: String,
    pub domain: String,
    pub name: String,
    pub email_domains: Vec<String>,
    pub environment: Environment,
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
pub struct UserBody<'a> {
    pub id: String,
    pub organization_domain: &'a str,
    pub profile: ProfileBody,
    pub created_at: u64,
}

impl<'a> UserBody<'a> {
    pub fn new(org: &'a Organization, user: User) -> Self {
        Self {
            id: user.id,
            organization_domain: &org.domain,
            profile: user.profile.into(),
            created_at: user.created_at,
        }
    }
}

/// A user's profile.
#[derive(Serialize)]
pub struct ProfileBody {
    pub email: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
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
pub struct ConnectionBody {
    pub active: bool,
    pub method: Method,
    pub algorithm: &'static str,
    pub digits: usize,
    pub period: u64,
    pub skew: u8,
    pub issuer: String,
    pub max_attempts: u32,
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
            updated_at: connection.updated_at,
        }
    }
}

/// An entry of the audit trail.
#[derive(Serialize)]
pub struct AuditEventBody {
    pub at: u64,
    pub event: String,
    pub user_id: Option<String>,
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
