//! What a request under `/api/v2/org/{org_domain}/` asks of the organization's object: its
//! command, its input checked for shape (values are checked by the domain, in the object), and
//! the `Idempotency-Key` of a creating request.

use totp_domain::idempotency::{self, IdempotentRequest};
use totp_domain::org::{ConnectionUpdate, ImportRequest, NewUser};
use worker::Request;

use super::input::Input;
use super::routes::{OrgRoute, TenantRoute};
use super::{Result, required};
use crate::org_object::OrgCommand;

/// The object's operation for a route under `/api/v2/org/{org_domain}/`, its input checked
/// for shape here (values are checked by the domain, in the object).
pub(super) fn org_command(route: OrgRoute<'_>, input: &Input) -> Result<OrgCommand> {
    let command = match route {
        OrgRoute::CreateUser => OrgCommand::CreateUser {
            user: profile(input)?,
        },
        OrgRoute::UpdateUser(id) => OrgCommand::UpdateUser {
            id: id.to_owned(),
            update: profile(input)?,
        },
        OrgRoute::Users => OrgCommand::Users {
            page: input.page()?,
        },
        OrgRoute::User(id) => OrgCommand::User { id: id.to_owned() },
        OrgRoute::Connection => OrgCommand::Connection,
        OrgRoute::UpdateConnection => OrgCommand::UpdateConnection {
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
        },
        OrgRoute::Enroll => OrgCommand::Enroll {
            force: input.boolean("force_enroll")?.unwrap_or(false),
            user_id: required(input, "user_id")?,
        },
        OrgRoute::ValidateEnrollment(user) => OrgCommand::ValidateEnrollment {
            user_id: user.to_owned(),
            code: required(input, "code")?,
        },
        OrgRoute::DeleteUser(id) => OrgCommand::DeleteUser { id: id.to_owned() },
        OrgRoute::DeleteEnrollment(user) => OrgCommand::DeleteEnrollment {
            user_id: user.to_owned(),
        },
        OrgRoute::RegenerateRecoveryCodes(user) => OrgCommand::RegenerateRecoveryCodes {
            user_id: user.to_owned(),
            code: required(input, "code")?,
        },
        OrgRoute::ImportFactors => OrgCommand::ImportFactors {
            request: ImportRequest {
                factors: input.parsed("factors", "must be a list of {user_id, otpauth_uri}")?,
                issue_recovery_codes: input.boolean("issue_recovery_codes")?.unwrap_or(false),
                replace: input.boolean("replace")?.unwrap_or(false),
            },
        },
        OrgRoute::Challenge(user) => OrgCommand::CreateChallenge {
            user_id: user.to_owned(),
        },
        OrgRoute::ValidateChallenge(user) => OrgCommand::ValidateChallenge {
            user_id: user.to_owned(),
            code: required(input, "code")?,
        },
        OrgRoute::AuditEvents => OrgCommand::AuditEvents {
            page: input.page()?,
        },
    };
    Ok(command)
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

/// The `Idempotency-Key` of a tenant request: kept for the creating POSTs, refused on the
/// routes that check a code (a replayed success would let one code succeed twice), and
/// ignored elsewhere.
pub(super) fn idempotency(
    request: &Request,
    route: TenantRoute<'_>,
    input: &Input,
    client_id: String,
) -> Result<Option<IdempotentRequest>> {
    let Some(key) = request.headers().get("idempotency-key").ok().flatten() else {
        return Ok(None);
    };
    match route {
        TenantRoute::CreateOrganization
        | TenantRoute::Org(_, OrgRoute::CreateUser | OrgRoute::Enroll | OrgRoute::Challenge(_)) => {
            let route = format!("{} {}", request.method(), request.path());
            Ok(Some(IdempotentRequest::new(
                &key,
                route,
                input.fingerprint(),
                client_id,
            )?))
        }
        TenantRoute::Org(
            _,
            OrgRoute::ValidateEnrollment(_)
            | OrgRoute::ValidateChallenge(_)
            | OrgRoute::RegenerateRecoveryCodes(_),
        ) => Err(idempotency::refused_here().into()),
        _ => Ok(None),
    }
}
