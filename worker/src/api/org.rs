//! The operations inside one organization, each served by that organization's object as the
//! command built here (input checked for shape; values are checked by the domain).

use totp_domain::error::Result;
use totp_domain::org::{
    AnswerKind, ConnectionUpdate, EndpointInput, EnrollOptions, ImportRequest, NewUser,
    RememberDevice,
};
use worker::Method::{self, Delete, Get, Patch, Post, Put};

use super::{Command, Idempotency, Keeper, MAX_BODY, MAX_IMPORT_BODY, OrgOp, Serve, Spec};
use crate::org_object::OrgCommand;
use crate::wire::input::Input;

/// The path of an operation under `/api/v2/org/{org_domain}`.
macro_rules! org_path {
    ($path:literal) => {
        concat!("/api/v2/org/{org_domain}", $path)
    };
}

impl OrgOp {
    pub fn spec(self) -> Spec {
        use Idempotency::{Ignored, Kept, Refused};
        match self {
            Self::CreateUser => org(
                Post,
                org_path!("/users"),
                "createUser",
                Kept(Keeper::Object(AnswerKind::Profile)),
                |_, input| {
                    Ok(OrgCommand::CreateUser {
                        user: profile(input)?,
                    })
                },
            ),
            Self::Users => org(
                Get,
                org_path!("/users"),
                "listUsers",
                Ignored,
                |_, input| {
                    Ok(OrgCommand::Users {
                        page: input.page()?,
                    })
                },
            ),
            Self::User => org(
                Get,
                org_path!("/users/{user_id}"),
                "getUser",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::User {
                        id: path.owned("user_id")?,
                    })
                },
            ),
            Self::UpdateUser => org(
                Patch,
                org_path!("/users/{user_id}"),
                "updateUser",
                Ignored,
                |path, input| {
                    Ok(OrgCommand::UpdateUser {
                        id: path.owned("user_id")?,
                        update: profile(input)?,
                    })
                },
            ),
            Self::DeleteUser => org(
                Delete,
                org_path!("/users/{user_id}"),
                "deleteUser",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::DeleteUser {
                        id: path.owned("user_id")?,
                    })
                },
            ),
            Self::Connection => org(
                Get,
                org_path!("/totp-connection"),
                "getTotpConnection",
                Ignored,
                |_, _| Ok(OrgCommand::Connection),
            ),
            Self::UpdateConnection => org(
                Put,
                org_path!("/totp-connection"),
                "updateTotpConnection",
                Ignored,
                |_, input| {
                    Ok(OrgCommand::UpdateConnection {
                        update: ConnectionUpdate {
                            active: input.boolean("active")?,
                            method: input.text("method")?,
                            algorithm: input.text("algorithm")?,
                            digits: input.number("digits")?,
                            period: input.number("period")?,
                            skew: input.number("skew")?,
                            issuer: input.text("issuer")?,
                            max_attempts: input.number("max_attempts")?,
                            enforcement: input.text("enforcement")?,
                            enrollment_grace_days: input.number("enrollment_grace_days")?,
                            trusted_device_days: input.number("trusted_device_days")?,
                            audit_retention_days: input.number("audit_retention_days")?,
                        },
                    })
                },
            ),
            Self::Enroll => org(
                Post,
                org_path!("/totp-enrollment"),
                "enroll",
                Kept(Keeper::Object(AnswerKind::Enrollment)),
                |_, input| {
                    Ok(OrgCommand::Enroll {
                        options: EnrollOptions {
                            force: input.boolean("force_enroll")?.unwrap_or(false),
                            add_factor: input.boolean("add_factor")?.unwrap_or(false),
                            friendly_name: input.text("friendly_name")?,
                        },
                        user_id: input.required("user_id")?,
                    })
                },
            ),
            Self::ValidateEnrollment => org(
                Put,
                org_path!("/totp-enrollment/validation/{user_id}"),
                "validateEnrollment",
                Refused,
                |path, input| {
                    Ok(OrgCommand::ValidateEnrollment {
                        user_id: path.owned("user_id")?,
                        code: input.required("code")?,
                    })
                },
            ),
            Self::EnrollmentStatus => org(
                Get,
                org_path!("/totp-enrollment/{user_id}"),
                "getTotpEnrollment",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::EnrollmentStatus {
                        user_id: path.owned("user_id")?,
                    })
                },
            ),
            Self::DeleteEnrollment => org(
                Delete,
                org_path!("/totp-enrollment/{user_id}"),
                "deleteEnrollment",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::DeleteEnrollment {
                        user_id: path.owned("user_id")?,
                    })
                },
            ),
            Self::RegenerateRecoveryCodes => org(
                Post,
                org_path!("/totp-recovery-codes/{user_id}"),
                "regenerateRecoveryCodes",
                Refused,
                |path, input| {
                    Ok(OrgCommand::RegenerateRecoveryCodes {
                        user_id: path.owned("user_id")?,
                        code: input.required("code")?,
                    })
                },
            ),
            // An import carries up to 500 URIs.
            Self::ImportFactors => Spec {
                body_limit: MAX_IMPORT_BODY,
                ..org(
                    Post,
                    org_path!("/totp-import"),
                    "importFactors",
                    Ignored,
                    |_, input| {
                        Ok(OrgCommand::ImportFactors {
                            request: ImportRequest {
                                factors: input.parsed(
                                    "factors",
                                    "must be a list of {user_id, otpauth_uri, friendly_name?, add_factor?}",
                                )?,
                                issue_recovery_codes: input
                                    .boolean("issue_recovery_codes")?
                                    .unwrap_or(false),
                                replace: input.boolean("replace")?.unwrap_or(false),
                                add_factor: input.boolean("add_factor")?.unwrap_or(false),
                            },
                        })
                    },
                )
            },
            Self::CreateChallenge => org(
                Post,
                org_path!("/totp-challenge/{user_id}"),
                "createChallenge",
                Kept(Keeper::Object(AnswerKind::Challenge)),
                |path, _| {
                    Ok(OrgCommand::CreateChallenge {
                        user_id: path.owned("user_id")?,
                    })
                },
            ),
            Self::ValidateChallenge => org(
                Post,
                org_path!("/totp-challenge/validation/{user_id}"),
                "validateChallenge",
                Refused,
                |path, input| {
                    Ok(OrgCommand::ValidateChallenge {
                        user_id: path.owned("user_id")?,
                        code: input.required("code")?,
                        remember: RememberDevice {
                            remember_device: input.boolean("remember_device")?.unwrap_or(false),
                            device_name: input.text("device_name")?,
                        },
                    })
                },
            ),
            Self::Factors => org(
                Get,
                org_path!("/users/{user_id}/factors"),
                "listFactors",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::Factors {
                        user_id: path.owned("user_id")?,
                    })
                },
            ),
            Self::RenameFactor => org(
                Patch,
                org_path!("/users/{user_id}/factors/{factor_id}"),
                "renameFactor",
                Ignored,
                |path, input| {
                    Ok(OrgCommand::RenameFactor {
                        user_id: path.owned("user_id")?,
                        factor_id: path.owned("factor_id")?,
                        friendly_name: input.text("friendly_name")?,
                    })
                },
            ),
            Self::DeleteFactor => org(
                Delete,
                org_path!("/users/{user_id}/factors/{factor_id}"),
                "deleteFactor",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::DeleteFactor {
                        user_id: path.owned("user_id")?,
                        factor_id: path.owned("factor_id")?,
                    })
                },
            ),
            // Not kept: a kept "trusted" answer would outlive a revocation.
            Self::VerifyTrustedDevice => org(
                Post,
                org_path!("/trusted-devices/verify/{user_id}"),
                "verifyTrustedDevice",
                Refused,
                |path, input| {
                    Ok(OrgCommand::VerifyTrustedDevice {
                        user_id: path.owned("user_id")?,
                        device_token: input.text("device_token")?,
                    })
                },
            ),
            Self::TrustedDevices => org(
                Get,
                org_path!("/users/{user_id}/trusted-devices"),
                "listTrustedDevices",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::TrustedDevices {
                        user_id: path.owned("user_id")?,
                    })
                },
            ),
            Self::RevokeTrustedDevice => org(
                Delete,
                org_path!("/users/{user_id}/trusted-devices/{device_id}"),
                "revokeTrustedDevice",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::RevokeTrustedDevice {
                        user_id: path.owned("user_id")?,
                        device_id: path.owned("device_id")?,
                    })
                },
            ),
            Self::RevokeTrustedDevices => org(
                Delete,
                org_path!("/users/{user_id}/trusted-devices"),
                "revokeTrustedDevices",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::RevokeTrustedDevices {
                        user_id: path.owned("user_id")?,
                    })
                },
            ),
            Self::CreateWebhook => org(
                Post,
                org_path!("/webhooks"),
                "createWebhook",
                Ignored,
                |_, input| {
                    Ok(OrgCommand::CreateWebhook {
                        input: endpoint(input)?,
                    })
                },
            ),
            Self::Webhooks => org(
                Get,
                org_path!("/webhooks"),
                "listWebhooks",
                Ignored,
                |_, _| Ok(OrgCommand::Webhooks),
            ),
            Self::Webhook => org(
                Get,
                org_path!("/webhooks/{webhook_id}"),
                "getWebhook",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::Webhook {
                        id: path.owned("webhook_id")?,
                    })
                },
            ),
            Self::UpdateWebhook => org(
                Patch,
                org_path!("/webhooks/{webhook_id}"),
                "updateWebhook",
                Ignored,
                |path, input| {
                    Ok(OrgCommand::UpdateWebhook {
                        id: path.owned("webhook_id")?,
                        input: endpoint(input)?,
                    })
                },
            ),
            Self::DeleteWebhook => org(
                Delete,
                org_path!("/webhooks/{webhook_id}"),
                "deleteWebhook",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::DeleteWebhook {
                        id: path.owned("webhook_id")?,
                    })
                },
            ),
            Self::RotateWebhookSecret => org(
                Post,
                org_path!("/webhooks/{webhook_id}/rotate-secret"),
                "rotateWebhookSecret",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::RotateWebhookSecret {
                        id: path.owned("webhook_id")?,
                    })
                },
            ),
            Self::WebhookDeliveries => org(
                Get,
                org_path!("/webhooks/{webhook_id}/deliveries"),
                "listWebhookDeliveries",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::WebhookDeliveries {
                        id: path.owned("webhook_id")?,
                    })
                },
            ),
            Self::RetryWebhookDelivery => org(
                Post,
                org_path!("/webhooks/{webhook_id}/deliveries/{message_id}/retry"),
                "retryWebhookDelivery",
                Ignored,
                |path, _| {
                    Ok(OrgCommand::RetryWebhookDelivery {
                        id: path.owned("webhook_id")?,
                        message_id: path.owned("message_id")?,
                    })
                },
            ),
            Self::AuditEvents => org(
                Get,
                org_path!("/audit-events"),
                "listAuditEvents",
                Ignored,
                |_, input| {
                    Ok(OrgCommand::AuditEvents {
                        page: input.page()?,
                    })
                },
            ),
        }
    }
}

/// An operation served by the object, with a body of at most [`MAX_BODY`].
fn org(
    method: Method,
    path: &'static str,
    name: &'static str,
    idempotency: Idempotency,
    command: Command,
) -> Spec {
    Spec {
        method,
        path,
        name,
        body_limit: MAX_BODY,
        idempotency,
        serve: Serve::Object(command),
    }
}

/// A user's profile fields, under `profile` (as the guide sends them) or at the top level.
fn profile(input: &Input) -> Result<NewUser> {
    let field = |name: &'static str| -> Result<Option<String>> {
        Ok(input
            .text_at(name, &["profile", name])?
            .or(input.text(name)?))
    };
    Ok(NewUser {
        email: field("email")?,
        given_name: field("given_name")?,
        family_name: field("family_name")?,
        phone_number: field("phone_number")?,
    })
}

/// A webhook endpoint's fields; an empty or absent list of event types is every type at
/// creation and no change after.
fn endpoint(input: &Input) -> Result<EndpointInput> {
    let types = input.list("event_types")?;
    Ok(EndpointInput {
        url: input.text("url")?,
        event_types: (!types.is_empty()).then_some(types),
        enabled: input.boolean("enabled")?,
        loopback_http: false,
    })
}

/// What the OpenAPI document says of each operation.
#[cfg(test)]
mod doc {
    use totp_domain::org::store::Attempt;
    use totp_domain::org::{
        ChallengeCreated, DeviceVerification, Endpoint, EndpointWithSecret, EnrollmentCreated,
        EnrollmentStatus, FactorSummary, ImportReport, RecoveryCodesRegenerated, Requeued,
        TrustedDevice, ValidationResult,
    };

    use crate::api::OrgOp;
    use crate::api::openapi::{Answer, Body, Doc, list, page, requests, schema};
    use crate::wire::answers::{AuditEventBody, ConnectionBody, UserBody};

    impl OrgOp {
        pub fn doc(self) -> Doc {
            match self {
                Self::CreateUser => Doc {
                    tag: "Users",
                    summary: "Create a user",
                    description: "Creates a user from a profile: an email (unique in the organization, ignoring ASCII case), optional names and an E.164 phone number, stored sealed. The answer's mfa says where the user stands with the organization's MFA policy. Takes an Idempotency-Key.",
                    request: Some(Body {
                        schema: schema::<requests::CreateUserRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 201,
                        description: "Created",
                        schema: Some(schema::<UserBody<'static>>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::Users => Doc {
                    tag: "Users",
                    summary: "List users",
                    description: "The organization's users, a page at a time.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "A page",
                        schema: Some(page::<UserBody<'static>>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::User => Doc {
                    tag: "Users",
                    summary: "Get a user",
                    description: "By id or by email.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The user",
                        schema: Some(schema::<UserBody<'static>>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::UpdateUser => Doc {
                    tag: "Users",
                    summary: "Change a user's profile",
                    description: "Changes a user's profile; every field is checked before anything is written (422 naming the field). Audited with the names of the fields changed, never their values.",
                    request: Some(Body {
                        schema: schema::<requests::UpdateUserRequest>,
                        required: false,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "The updated user",
                        schema: Some(schema::<UserBody<'static>>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::DeleteUser => Doc {
                    tag: "Users",
                    summary: "Delete a user",
                    description: "Deletes the user with their factors (active and pending), recovery codes, challenges and trusted devices. The audit trail keeps one event naming the user by id only. Personal fields were only ever stored sealed, so nothing of the user remains readable in the object's storage files. The same email can be created again and gets a new id.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Deleted",
                        schema: None,
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::Connection => Doc {
                    tag: "TOTP connection",
                    summary: "Get the organization's TOTP connection",
                    description: "The organization's TOTP settings: whether MFA is on, the method, algorithm, digits, period, skew, issuer, the failed attempts allowed before backoff, the MFA policy (enforcement, enrollment_grace_days) and how long a remembered device stays trusted.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The connection",
                        schema: Some(schema::<ConnectionBody>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::UpdateConnection => Doc {
                    tag: "TOTP connection",
                    summary: "Change the organization's TOTP connection",
                    description: "Changes the organization's TOTP settings; an absent field keeps its value, and every field is checked before anything is written. A factor keeps the algorithm, digits and period it was enrolled with. A change of the MFA policy (enforcement, enrollment_grace_days) is audited as mfa_policy.updated.",
                    request: Some(Body {
                        schema: schema::<requests::UpdateTotpConnectionRequest>,
                        required: false,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "Updated",
                        schema: Some(schema::<ConnectionBody>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::Enroll => Doc {
                    tag: "Enrollment",
                    summary: "Enroll a user in TOTP",
                    description: "Enrolls a user. A first enrollment creates a pending factor. A re-enrollment of a validated user without force_enroll renews the user's first factor with a pending secret beside the active one: the active secret and its recovery codes keep answering challenges until the new secret is validated, which replaces it (and revokes the user's trusted devices). add_factor creates a new pending factor beside the user's others instead (up to five, app method only; the recovery codes stay). force_enroll replaces all of the user's factors at once with one new factor, issues new recovery codes, clears failures and lockout and revokes trusted devices. Takes an Idempotency-Key.",
                    request: Some(Body {
                        schema: schema::<requests::EnrollRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 201,
                        description: "Enrolled, pending validation",
                        schema: Some(schema::<EnrollmentCreated>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404, 409, 422],
                },
                Self::ValidateEnrollment => Doc {
                    tag: "Enrollment",
                    summary: "Validate an enrollment with its first code",
                    description: "Validates a pending secret (a first enrollment, an added factor or a re-enrollment) with its first code, checked against every secret of the user awaiting one; a re-enrollment's secret then replaces the active one. factor_id says which factor it proved. Counted like any attempt; 409 when nothing is pending. An Idempotency-Key header is refused here (422): a replayed success would let one code succeed twice.",
                    request: Some(Body {
                        schema: schema::<requests::ValidateEnrollmentRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "Checked",
                        schema: Some(schema::<ValidationResult>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404, 409, 422, 429],
                },
                Self::EnrollmentStatus => Doc {
                    tag: "Enrollment",
                    summary: "Get a user's enrollment",
                    description: "Whether the user has a factor (none, pending, active; active_factors counts the validated ones), when it was enrolled and last used, the recovery codes left, and whether attempts are refused: what a login branches on. A user id or email that names no one is a 404 (user_not_found), never \"not enrolled\". Never the secret.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The user's enrollment",
                        schema: Some(schema::<EnrollmentStatus>),
                    },
                    errors: &[400, 401, 404, 413, 415],
                },
                Self::DeleteEnrollment => Doc {
                    tag: "Enrollment",
                    summary: "Remove a user's factor",
                    description: "Removes all of the user's factors (active and pending), recovery codes, open challenges and trusted devices: the support path to turn MFA off for one user. Audited. The next enrollment is a first one.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Removed",
                        schema: None,
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::RegenerateRecoveryCodes => Doc {
                    tag: "Recovery codes",
                    summary: "Replace a user's recovery codes",
                    description: "Replaces the user's recovery codes with five new ones if code is a current code of the active factor. The code goes through the same attempt path as a challenge: counted, single use, lockout applies. The old codes stop working at once. An Idempotency-Key header is refused here (422): a replayed success would let one code succeed twice.",
                    request: Some(Body {
                        schema: schema::<requests::RegenerateRecoveryCodesRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "Checked; new codes when accepted",
                        schema: Some(schema::<RecoveryCodesRegenerated>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404, 409, 422, 429],
                },
                Self::ImportFactors => Doc {
                    tag: "Enrollment",
                    summary: "Import existing TOTP factors",
                    description: "Imports existing TOTP factors (from another provider or your own database) so users need not enroll again. Each entry becomes an active factor of its user, named by its friendly_name, sealed like any secret, in its own transaction, and is reported on its own: a bad entry leaves the others imported. A user who has a factor (pending or active) is left unchanged unless `replace` (which replaces the user's factors and revokes their trusted devices) or `add_factor` (which adds one beside them, up to five) is set. An import changes the secret only: the user's failure count, lockout, last accepted time step and recovery allowance stay, so a code accepted before is refused after the same secret is imported again. No active connection is needed, so factors can be brought in before the connection is switched on. Secrets under 80 bits refuse the whole request (422); under 128 bits the entry is marked `weak_secret`. Up to 500 entries and 256 KiB per request. Audited per entry.",
                    request: Some(Body {
                        schema: schema::<requests::ImportRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "What became of each entry",
                        schema: Some(schema::<ImportReport>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::CreateChallenge => Doc {
                    tag: "Challenges",
                    summary: "Open a challenge",
                    description: "Opens a challenge for the user, superseding the open one; a code of any of the user's validated factors answers it. SMS method: the answer holds a random code of this challenge's own to send. Past the grace period of a required MFA policy, a user without a validated factor is refused (403 enrollment_required): send them to enrollment.",
                    request: None,
                    answer: Answer {
                        status: 201,
                        description: "Created",
                        schema: Some(schema::<ChallengeCreated>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404, 409, 422],
                },
                Self::ValidateChallenge => Doc {
                    tag: "Challenges",
                    summary: "Validate a code or a recovery code",
                    description: "The second step of a sign-in: a code of any of the user's validated factors (spaces and hyphens ignored; factor_id says which matched, and a time step is accepted once per user), or a recovery code (one per 24 hours; it revokes the user's trusted devices). Every well-formed attempt counts; a refusal says why (reason); after max_attempts failures the user backs off (429). With remember_device, while the connection's trusted_device_days is above 0, a factor's accepted code also remembers the device: device_token is shown once. Past the grace period of a required MFA policy, a user without a validated factor is refused (403 enrollment_required). An Idempotency-Key header is refused here (422): a replayed success would let one code succeed twice.",
                    request: Some(Body {
                        schema: schema::<requests::ValidateChallengeRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "Checked",
                        schema: Some(schema::<ValidationResult>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404, 409, 422, 429],
                },
                Self::Factors => Doc {
                    tag: "Factors",
                    summary: "List a user's factors",
                    description: "The user's factors, oldest first (the first is the one an enrollment without add_factor renews): id, friendly_name, method, status, when created and last used. Never a secret.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The factors",
                        schema: Some(list::<FactorSummary>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::RenameFactor => Doc {
                    tag: "Factors",
                    summary: "Rename a factor",
                    description: "Changes a factor's friendly_name (1 to 64 characters, trimmed). Audited.",
                    request: Some(Body {
                        schema: schema::<requests::RenameFactorRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "The renamed factor",
                        schema: Some(schema::<FactorSummary>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::DeleteFactor => Doc {
                    tag: "Factors",
                    summary: "Remove one factor",
                    description: "Removes one of the user's factors; the others keep working. The user's trusted devices are revoked. Removing the last factor removes the enrollment, recovery codes and open challenges with it. The user's failures, lockout and last accepted time step stay. Audited.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Removed",
                        schema: None,
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::VerifyTrustedDevice => Doc {
                    tag: "Trusted devices",
                    summary: "Verify a trusted device",
                    description: "Whether a device_token (from a validation with remember_device) names a device of this user that is still trusted; a success records its last use. A revoked, expired or unknown token answers trusted: false, counted against a limit of its own (10 failures per 10 minutes per user, then 429 device_verification_limit), never the user's lockout. An Idempotency-Key header is refused here (422): a kept answer would outlive a revocation.",
                    request: Some(Body {
                        schema: schema::<requests::VerifyTrustedDeviceRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "Checked",
                        schema: Some(schema::<DeviceVerification>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422, 429],
                },
                Self::TrustedDevices => Doc {
                    tag: "Trusted devices",
                    summary: "List a user's trusted devices",
                    description: "The user's devices still trusted, oldest first, with their names and expiries. Never a token: only its keyed hash is stored.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The devices",
                        schema: Some(list::<TrustedDevice>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::RevokeTrustedDevice => Doc {
                    tag: "Trusted devices",
                    summary: "Revoke a trusted device",
                    description: "Revokes one of the user's trusted devices: its token answers trusted: false from now on. Audited.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Revoked",
                        schema: None,
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::RevokeTrustedDevices => Doc {
                    tag: "Trusted devices",
                    summary: "Revoke all of a user's trusted devices",
                    description: "Revokes every trusted device of the user (none is an answer too). Audited.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Revoked",
                        schema: None,
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::CreateWebhook => Doc {
                    tag: "Webhooks",
                    summary: "Register a webhook endpoint",
                    description: "Registers an https endpoint for the organization's security events (at most 10 endpoints). Requests follow the Standard Webhooks specification: webhook-id (the same in every attempt), webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA-256>), verifiable with the standardwebhooks libraries and the secret answered here, once. Events are written in the transaction of the change they report, handed to a Cloudflare Queue and delivered at least once, retried with a doubling wait up to 6 attempts, then sent to the dead-letter queue. Payloads carry ids, the type, the time and counts, never a secret, a code, a token or a profile field. An Idempotency-Key header is ignored here.",
                    request: Some(Body {
                        schema: schema::<requests::CreateWebhookRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 201,
                        description: "Registered; the secret is shown once",
                        schema: Some(schema::<EndpointWithSecret>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::Webhooks => Doc {
                    tag: "Webhooks",
                    summary: "List webhook endpoints",
                    description: "The organization's endpoints, oldest first; never their secrets.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The endpoints",
                        schema: Some(list::<Endpoint>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::Webhook => Doc {
                    tag: "Webhooks",
                    summary: "Get a webhook endpoint",
                    description: "One endpoint; never its secret.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The endpoint",
                        schema: Some(schema::<Endpoint>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::UpdateWebhook => Doc {
                    tag: "Webhooks",
                    summary: "Change a webhook endpoint",
                    description: "Changes an endpoint's URL, event types or whether it is enabled; absent fields keep their value. A disabled endpoint gets no new messages, and its queued ones are not sent.",
                    request: Some(Body {
                        schema: schema::<requests::UpdateWebhookRequest>,
                        required: false,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "The changed endpoint",
                        schema: Some(schema::<Endpoint>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
                Self::DeleteWebhook => Doc {
                    tag: "Webhooks",
                    summary: "Delete a webhook endpoint",
                    description: "Deletes an endpoint with its undelivered messages and its delivery list.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Deleted",
                        schema: None,
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::RotateWebhookSecret => Doc {
                    tag: "Webhooks",
                    summary: "Rotate a webhook endpoint's secret",
                    description: "Issues a new signing secret, answered once. For 24 hours requests carry two signatures, under the new and the previous secret, so receivers can switch without losing one.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The new secret, shown once",
                        schema: Some(schema::<EndpointWithSecret>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::WebhookDeliveries => Doc {
                    tag: "Webhooks",
                    summary: "List an endpoint's delivery attempts",
                    description: "The endpoint's last 100 attempts, newest first, kept 7 days: when, the receiver's status, the latency and the outcome (delivered, retrying, dead_lettered); never the body.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The attempts",
                        schema: Some(list::<Attempt>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::RetryWebhookDelivery => Doc {
                    tag: "Webhooks",
                    summary: "Send a message again",
                    description: "Sends a kept message (7 days) of the endpoint again, with the same webhook-id, in a new round of attempts.",
                    request: None,
                    answer: Answer {
                        status: 202,
                        description: "Queued again",
                        schema: Some(schema::<Requeued>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
                Self::AuditEvents => Doc {
                    tag: "Audit",
                    summary: "List audit events",
                    description: "The organization's audit trail, newest first: what happened, to which user (by id), never a secret, a code or a profile field.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "A page, newest first",
                        schema: Some(page::<AuditEventBody>),
                    },
                    errors: &[400, 401, 413, 415, 404, 422],
                },
            }
        }
    }
}
