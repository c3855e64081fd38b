//! The request bodies, one type each, field by field as the operations read them
//! (`crate::api`): a required field is a plain type, an optional one an `Option`. What the
//! server also accepts (numbers as text, null as absent, one value as a list of one) is added
//! by [`super::lenient`]; forms and multipart are derived from these by [`super::forms`].
#![allow(dead_code)]

use utoipa::ToSchema;

use super::scalars::{
    AccountDomain, AlgorithmName, Code, CodeOrRecoveryCode, Days, DeviceName, DeviceToken, Digits,
    DomainName, EmailAddress, Flag, FriendlyName, GrantType, ImportEntry, Issuer, MaxAttempts,
    OrganizationName, Period, PersonName, PhoneNumber, ResealLimit, RetentionDays, Skew, Text,
    WebhookUrl,
};
use totp_domain::model::{Enforcement, Environment, Method};
use totp_domain::webhook::EventType;

/// The client credentials go here or in HTTP Basic (RFC 6749, 2.3.1), not both. Unknown fields
/// are ignored.
#[derive(ToSchema)]
pub struct CreateTokenRequest {
    grant_type: GrantType,
    /// The account's domain; when absent, the API key's own account.
    domain: Option<Text>,
    /// Required unless sent in HTTP Basic.
    client_id: Option<Text>,
    /// Required unless sent in HTTP Basic.
    client_secret: Option<Text>,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct CreateAccountRequest {
    domain: AccountDomain,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct CreateApiKeyRequest {
    environment: Environment,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct CreateOrganizationRequest {
    name: OrganizationName,
    /// The domains of the organization's professional emails, at most 50.
    #[schema(max_items = 50)]
    email_domains: Option<Vec<DomainName>>,
}

/// Absent fields keep their value; the domain stays.
#[derive(ToSchema)]
pub struct UpdateOrganizationRequest {
    name: Option<OrganizationName>,
    /// The domains of the organization's professional emails, at most 50 (an empty list
    /// clears them).
    #[schema(max_items = 50)]
    email_domains: Option<Vec<DomainName>>,
}

/// Each profile field is also read at the top level (email, given_name, family_name,
/// phone_number) when the profile does not hold it; there too, a value that is not a string, a
/// number or null is refused (422). Unknown fields are ignored.
#[derive(ToSchema)]
pub struct CreateUserRequest {
    #[schema(inline)]
    profile: NewProfile,
}

/// A new user's profile.
#[derive(ToSchema)]
pub struct NewProfile {
    email: EmailAddress,
    given_name: Option<PersonName>,
    family_name: Option<PersonName>,
    phone_number: Option<PhoneNumber>,
}

/// Profile fields to change: an absent field keeps its value, an empty string clears
/// given_name, family_name or phone_number. The email follows the creation rule (ASCII, unique
/// ignoring ASCII case). Each profile field is also read at the top level (email, given_name,
/// family_name, phone_number) when the profile does not hold it; there too, a value that is not
/// a string, a number or null is refused (422). Unknown fields are ignored.
#[derive(ToSchema)]
pub struct UpdateUserRequest {
    /// The fields to change: an absent field keeps its value, an empty string clears
    /// given_name, family_name or phone_number. A profile that is not an object changes
    /// nothing.
    #[schema(inline)]
    profile: Option<ProfileChanges>,
}

/// The fields to change.
#[derive(ToSchema)]
pub struct ProfileChanges {
    email: Option<EmailAddress>,
    given_name: Option<PersonName>,
    family_name: Option<PersonName>,
    phone_number: Option<PhoneNumber>,
}

/// The fields to change; an absent field keeps its value. Unknown fields are ignored.
#[derive(ToSchema)]
pub struct UpdateTotpConnectionRequest {
    active: Option<Flag>,
    method: Option<Method>,
    algorithm: Option<AlgorithmName>,
    digits: Option<Digits>,
    period: Option<Period>,
    skew: Option<Skew>,
    issuer: Option<Issuer>,
    max_attempts: Option<MaxAttempts>,
    /// `required`: every user must have a validated factor once their grace period ends
    /// (challenges and validations of a user without one are refused, 403
    /// enrollment_required). Switching to required starts every user's grace period now.
    enforcement: Option<Enforcement>,
    /// Days a user has to enroll once MFA is required, 0 to 90, counted from when the policy
    /// became required or the user was created, whichever is later.
    enrollment_grace_days: Option<Days>,
    /// Days a remembered device stays trusted, 0 (off, the default) to 90.
    trusted_device_days: Option<Days>,
    /// Days the audit trail keeps an event, 30 to 3,650 (400 by default); older events are
    /// deleted by the organization object's alarm.
    audit_retention_days: Option<RetentionDays>,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct CreateWebhookRequest {
    url: WebhookUrl,
    /// The events it receives; every type when absent or empty. One type alone may be sent as
    /// a string.
    event_types: Option<Vec<EventType>>,
    /// Whether events are sent (true when absent).
    enabled: Option<Flag>,
}

/// Absent fields keep their value. Unknown fields are ignored.
#[derive(ToSchema)]
pub struct UpdateWebhookRequest {
    url: Option<WebhookUrl>,
    /// The events it receives; absent or empty keeps them.
    event_types: Option<Vec<EventType>>,
    enabled: Option<Flag>,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct EnrollRequest {
    /// The user's id or email.
    user_id: Text,
    /// Replace the user's factors at once with one new factor, issue new recovery codes and
    /// clear failures and lockout.
    force_enroll: Option<Flag>,
    /// Enroll a new factor beside the user's others (up to five, app method only) instead of
    /// renewing the first one. Not with force_enroll.
    add_factor: Option<Flag>,
    /// The factor's name; by default "Authenticator app" (or "SMS").
    friendly_name: Option<FriendlyName>,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct ValidateEnrollmentRequest {
    /// The first code of the pending secret: its digits, spaces and hyphens ignored ("123 456").
    /// Another shape is a 422 naming `code`, not a counted attempt.
    code: Code,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct ValidateChallengeRequest {
    /// A TOTP code (its digits, spaces and hyphens ignored: "123 456") or a recovery code.
    /// Another shape is a 422 naming `code`, not a counted attempt.
    code: CodeOrRecoveryCode,
    /// Remember this device if a factor's code is accepted and the connection's
    /// trusted_device_days is above 0: the answer then holds a device_token, shown once.
    remember_device: Option<Flag>,
    /// A name for the remembered device, shown when listing trusted devices.
    device_name: Option<DeviceName>,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct RenameFactorRequest {
    friendly_name: FriendlyName,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct VerifyTrustedDeviceRequest {
    /// The device_token a validation with remember_device answered.
    device_token: DeviceToken,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct RegenerateRecoveryCodesRequest {
    /// A current code of the user's active factor (for SMS, the code of the user's open
    /// challenge), spaces and hyphens ignored. A recovery code is not accepted: it is a 422
    /// naming `code`, as is any other shape, not a counted attempt.
    code: Code,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct ImportRequest {
    /// An entry without user_id or otpauth_uri (or with null) is refused in its result, not by
    /// the request.
    #[schema(min_items = 1, max_items = 500)]
    factors: Vec<ImportEntry>,
    /// Issue five recovery codes with each imported factor, answered once in its result.
    issue_recovery_codes: Option<Flag>,
    /// Replace a user's factors; without it (or add_factor) such an entry is refused.
    replace: Option<Flag>,
    /// Import each factor beside the user's others (up to five); an entry's own add_factor
    /// wins. Not with replace.
    add_factor: Option<Flag>,
}

/// Unknown fields are ignored.
#[derive(ToSchema)]
pub struct ResealRequest {
    limit: Option<ResealLimit>,
}
