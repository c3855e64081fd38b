//! The records the service keeps. Storage rows and wire bodies are mapped from these.

use otp_core::{Algorithm, Digits};
use serde::{Deserialize, Serialize};

/// Data of sandbox and production keys never mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Environment {
    /// For testing and development.
    Sandbox,
    /// For real users.
    Production,
}

impl Environment {
    /// The name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }

    /// Parses `sandbox` or `production`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sandbox" => Some(Self::Sandbox),
            "production" => Some(Self::Production),
            _ => None,
        }
    }
}

/// Who is calling: one account in one environment, from a verified access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// The account id.
    pub account_id: String,
    /// The environment of the API key the token was issued for.
    pub environment: Environment,
}

/// A customer of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Identifier.
    pub id: String,
    /// The account's domain, used to request tokens (`communitiz-app`).
    pub domain: String,
    /// Unix seconds.
    pub created_at: u64,
}

/// An API key: a client id and the SHA-256 of its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    /// Public identifier.
    pub client_id: String,
    /// The owning account.
    pub account_id: String,
    /// Which environment its tokens reach.
    pub environment: Environment,
    /// SHA-256 of the client secret.
    pub secret_hash: Vec<u8>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds, once revoked.
    pub revoked_at: Option<u64>,
}

/// A business customer of an account, holding users: an entry of the directory, sent with
/// every call into the organization's own object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DirectoryEntry))]
pub struct Organization {
    /// Identifier.
    pub id: String,
    /// Derived from the name, unique per account and environment (`communitiz-app`).
    pub domain: String,
    /// Display name.
    pub name: String,
    /// Email domains of its members.
    pub email_domains: Vec<String>,
    /// The environment it lives in.
    pub environment: Environment,
    /// Unix seconds.
    pub created_at: u64,
    /// The owning account.
    pub account_id: String,
}

/// A user of an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Identifier.
    pub id: String,
    /// Profile.
    pub profile: Profile,
    /// Unix seconds.
    pub created_at: u64,
    /// Where the user stands with the organization's MFA policy.
    pub mfa: Mfa,
}

/// A user's MFA, as each user answer shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = UserMfa))]
pub struct Mfa {
    /// The user has at least one validated factor.
    pub enrolled: bool,
    /// The organization's policy requires a factor.
    pub required: bool,
    /// Unix seconds when the user's grace period ends (or ended); null while MFA is optional.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub enroll_by: Option<u64>,
    /// Validated factors.
    pub active_factors: u32,
}

/// What is known of a user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Email address, unique per organization regardless of case.
    pub email: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// E.164 phone number, for the SMS method.
    pub phone_number: Option<String>,
}

/// How codes reach the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    /// An authenticator app, enrolled with a QR code.
    TotpApp,
    /// A code computed by the service, sent by the customer over SMS.
    Sms,
}

impl Method {
    /// The name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TotpApp => "totp_app",
            Self::Sms => "sms",
        }
    }

    /// Parses `totp_app` or `sms`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "totp_app" => Some(Self::TotpApp),
            "sms" => Some(Self::Sms),
            _ => None,
        }
    }
}

/// An organization's TOTP settings. Created inactive with the organization; never deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Whether enrollments and challenges are allowed.
    pub active: bool,
    /// How codes reach users.
    pub method: Method,
    /// HMAC hash function of new factors.
    pub algorithm: Algorithm,
    /// Digits of new factors.
    pub digits: Digits,
    /// Seconds per step of new factors.
    pub period: u64,
    /// Steps accepted on each side of the current one.
    pub skew: u8,
    /// The issuer shown in authenticator apps.
    pub issuer: String,
    /// Consecutive failures allowed before backoff starts.
    pub max_attempts: u32,
    /// Whether users must have a factor.
    pub enforcement: Enforcement,
    /// Days a user has to enroll once the policy requires it, 0 to 90.
    pub enrollment_grace_days: u32,
    /// Unix seconds when `enforcement` last became `required`; `None` while optional.
    pub required_since: Option<u64>,
    /// Days a remembered device stays trusted, 0 (off) to 90.
    pub trusted_device_days: u32,
    /// Days the audit trail keeps an event, 30 to 3,650.
    pub audit_retention_days: u32,
    /// Unix seconds.
    pub updated_at: u64,
}

/// Whether an organization's users must have a factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Enforcement {
    /// MFA for those who enroll.
    Optional,
    /// Every user, after the grace period.
    Required,
}

impl Enforcement {
    /// The name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }

    /// Parses `optional` or `required`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "optional" => Some(Self::Optional),
            "required" => Some(Self::Required),
            _ => None,
        }
    }
}

/// An entry of an organization's audit trail. Never holds secrets or codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Unix seconds.
    pub at: u64,
    /// What happened, e.g. `enrollment.created`.
    pub event: String,
    /// The user concerned, if any.
    pub user_id: Option<String>,
    /// Non-secret details.
    pub detail: Option<String>,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Items in all pages.
    pub total_count: u64,
    /// This page, from 1; null for a page asked for by cursor.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: u32,
    /// The next page, if any (null for a page asked for by cursor).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_page: Option<u32>,
    /// The previous page, if any (null for a page asked for by cursor).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub previous_page: Option<u32>,
    /// The `starting_after` of the next page, if any: an opaque cursor whose page costs the
    /// same wherever it starts.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each item mapped, e.g. a record to its wire body.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            total_count: self.total_count,
            page: self.page,
            per_page: self.per_page,
            next_page: self.next_page,
            previous_page: self.previous_page,
            next_cursor: self.next_cursor,
        }
    }

    /// A page of `data` out of `total_count` items, followed by the page `next_cursor` starts.
    pub fn new(
        data: Vec<T>,
        total_count: u64,
        request: &PageRequest,
        next_cursor: Option<String>,
    ) -> Self {
        let numbered = request.starting_after.is_none();
        let page = request.page;
        let seen = u64::from(page) * u64::from(request.per_page);
        Self {
            data,
            total_count,
            page: numbered.then_some(page),
            per_page: request.per_page,
            next_page: (numbered && seen < total_count).then_some(page + 1),
            previous_page: (numbered && page > 1).then_some(page - 1),
            next_cursor,
        }
    }
}

/// Which page of a list, validated: by number, or after the item a cursor names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// From 1; ignored after a cursor.
    pub page: u32,
    /// From 1 to [`PageRequest::MAX_PER_PAGE`].
    pub per_page: u32,
    /// A `next_cursor` from an earlier page of the same list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
}

impl PageRequest {
    /// The largest page.
    pub const MAX_PER_PAGE: u32 = 100;
    /// The default page size.
    pub const DEFAULT_PER_PAGE: u32 = 10;

    /// Page `page` of `per_page` items.
    pub fn numbered(page: u32, per_page: u32) -> Self {
        Self {
            page,
            per_page,
            starting_after: None,
        }
    }

    /// `per_page` items after the one `cursor` names.
    pub fn after(cursor: impl Into<String>, per_page: u32) -> Self {
        Self {
            page: 1,
            per_page,
            starting_after: Some(cursor.into()),
        }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_skips_the_pages_before_it() {
        let page = PageRequest::numbered;
        assert_eq!(page(1, 10).offset(), 0);
        assert_eq!(page(3, 10).offset(), 20);
        assert_eq!(page(2, 7).offset(), 7);
    }

    #[test]
    fn pages_link_to_their_neighbours() {
        let request = PageRequest::numbered(2, 2);
        let page = Page::new(vec!["c", "d"], 5, &request, None);
        assert_eq!((page.previous_page, page.next_page), (Some(1), Some(3)));
        let last = Page::new(vec!["e"], 5, &PageRequest::numbered(3, 2), None);
        assert_eq!(last.next_page, None);
        assert_eq!(last.map(str::len).data, vec![1]);
    }

    #[test]
    fn a_page_after_a_cursor_has_no_numbers() {
        let page = Page::new(vec![1], 5, &PageRequest::after("c", 1), Some("d".into()));
        assert_eq!(
            (page.page, page.next_page, page.previous_page),
            (None, None, None)
        );
        assert_eq!(page.next_cursor.as_deref(), Some("d"));
        let numbered = Page::new(vec![1], 5, &PageRequest::numbered(1, 1), None);
        assert_eq!((numbered.page, numbered.next_page), (Some(1), Some(2)));
    }
}
