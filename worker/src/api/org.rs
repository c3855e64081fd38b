//! The operations inside one organization, each served by that organization's object as the
//! command built here (input checked for shape; values are checked by the domain).

use totp_domain::error::Result;
use totp_domain::org::{AnswerKind, ConnectionUpdate, ImportRequest, NewUser};
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
                        force: input.boolean("force_enroll")?.unwrap_or(false),
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
                                    "must be a list of {user_id, otpauth_uri}",
                                )?,
                                issue_recovery_codes: input
                                    .boolean("issue_recovery_codes")?
                                    .unwrap_or(false),
                                replace: input.boolean("replace")?.unwrap_or(false),
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
