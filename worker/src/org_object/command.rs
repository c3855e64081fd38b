//! What the Worker asks of an organization's object: one operation with its input, and the
//! directory entry of the organization it concerns. Serialized as JSON across the hop.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use totp_domain::error::{Error, Result};
use totp_domain::idempotency::IdempotentRequest;
use totp_domain::model::{Organization, PageRequest};
use totp_domain::org::{
    AnswerKind, AttemptReport, ConnectionUpdate, EndpointInput, EnrollOptions, ImportRequest,
    NewUser, OrgService, RememberDevice, UserUpdate,
};
use totp_domain::sql::Sql;

use crate::wire::answers::{AuditEventBody, ConnectionBody, List, UserBody};

/// One call into an organization's object.
#[derive(Debug, Serialize, Deserialize)]
pub struct OrgCall {
    /// The directory's entry for the organization.
    pub organization: Organization,
    /// What to do.
    pub command: OrgCommand,
    /// For a creating request sent with an `Idempotency-Key`.
    #[serde(default)]
    pub idempotency: Option<Keyed>,
}

/// A request whose answer is kept under its `Idempotency-Key`, and what that answer holds (so
/// the change that makes it stale can forget it); decided by the operation table.
#[derive(Debug, Serialize, Deserialize)]
pub struct Keyed {
    pub request: IdempotentRequest,
    pub holds: AnswerKind,
}

/// An operation inside one organization, with its input as received.
// Externally tagged (`{"create_user": {...}}`): serde_json reads each variant directly, where an
// internally tagged enum buffers the call first; that cost 11 KiB gzip of the Worker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgCommand {
    CreateUser {
        user: NewUser,
    },
    Users {
        page: PageRequest,
    },
    User {
        id: String,
    },
    UpdateUser {
        id: String,
        update: UserUpdate,
    },
    DeleteUser {
        id: String,
    },
    Connection,
    UpdateConnection {
        update: ConnectionUpdate,
    },
    Enroll {
        user_id: String,
        options: EnrollOptions,
    },
    ValidateEnrollment {
        user_id: String,
        code: String,
    },
    EnrollmentStatus {
        user_id: String,
    },
    DeleteEnrollment {
        user_id: String,
    },
    RegenerateRecoveryCodes {
        user_id: String,
        code: String,
    },
    ImportFactors {
        request: ImportRequest,
    },
    CreateChallenge {
        user_id: String,
    },
    ValidateChallenge {
        user_id: String,
        code: String,
        remember: RememberDevice,
    },
    Factors {
        user_id: String,
    },
    RenameFactor {
        user_id: String,
        factor_id: String,
        friendly_name: Option<String>,
    },
    DeleteFactor {
        user_id: String,
        factor_id: String,
    },
    VerifyTrustedDevice {
        user_id: String,
        device_token: Option<String>,
    },
    TrustedDevices {
        user_id: String,
    },
    RevokeTrustedDevice {
        user_id: String,
        device_id: String,
    },
    RevokeTrustedDevices {
        user_id: String,
    },
    AuditEvents {
        page: PageRequest,
    },
    CreateWebhook {
        input: EndpointInput,
    },
    Webhooks,
    Webhook {
        id: String,
    },
    UpdateWebhook {
        id: String,
        input: EndpointInput,
    },
    DeleteWebhook {
        id: String,
    },
    RotateWebhookSecret {
        id: String,
    },
    WebhookDeliveries {
        id: String,
    },
    RetryWebhookDelivery {
        id: String,
        message_id: String,
    },
    Reseal {
        limit: u32,
    },
    /// From the queue's consumer, never routed: the next attempt of a message, signed.
    PrepareDelivery {
        message_id: String,
        round: u32,
    },
    /// From the queue's consumer, never routed: how an attempt went.
    RecordAttempt {
        report: AttemptReport,
    },
}

/// What the object reads from its environment for webhooks.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// `http://` endpoints on this machine are allowed (`WEBHOOK_LOOPBACK_HTTP`, local and test
    /// builds).
    pub loopback_http: bool,
    /// The first retry's wait in seconds, doubling after (`WEBHOOK_RETRY_SECONDS`, 30).
    pub retry_base: u32,
    /// Test builds only (`WEBHOOK_TEST_HOLD_OUTBOX`): the outbox is never handed to the queue,
    /// as when the runtime dies between a commit and the hand-off.
    pub hold_outbox: bool,
}

fn body(value: impl Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(Error::internal)
}

/// Runs `command` over the organization's database: the status and body to answer (204 has
/// no body).
pub fn run(
    api: &OrgService<'_, impl Sql>,
    org: &Organization,
    command: OrgCommand,
    settings: Settings,
) -> Result<(u16, Value)> {
    let checked = |input: EndpointInput| EndpointInput {
        loopback_http: settings.loopback_http,
        ..input
    };
    let answer = match command {
        OrgCommand::CreateUser { user } => (201, body(UserBody::new(org, api.create_user(user)?))?),
        OrgCommand::Users { page } => {
            let users = api.users(page)?;
            (200, body(users.map(|user| UserBody::new(org, user)))?)
        }
        OrgCommand::User { id } => (200, body(UserBody::new(org, api.user(&id)?))?),
        OrgCommand::UpdateUser { id, update } => (
            200,
            body(UserBody::new(org, api.update_user(&id, update)?))?,
        ),
        OrgCommand::Connection => (200, body(ConnectionBody::from(api.connection()?))?),
        OrgCommand::UpdateConnection { update } => {
            let connection = api.update_connection(update)?;
            (200, body(ConnectionBody::from(connection))?)
        }
        OrgCommand::Enroll { user_id, options } => {
            (201, body(api.enroll_with(&user_id, options)?)?)
        }
        OrgCommand::ValidateEnrollment { user_id, code } => {
            (200, body(api.validate_enrollment(&user_id, &code)?)?)
        }
        OrgCommand::DeleteUser { id } => {
            api.delete_user(&id)?;
            (204, Value::Null)
        }
        OrgCommand::EnrollmentStatus { user_id } => (200, body(api.enrollment_status(&user_id)?)?),
        OrgCommand::DeleteEnrollment { user_id } => {
            api.delete_enrollment(&user_id)?;
            (204, Value::Null)
        }
        OrgCommand::RegenerateRecoveryCodes { user_id, code } => {
            (200, body(api.regenerate_recovery_codes(&user_id, &code)?)?)
        }
        OrgCommand::ImportFactors { request } => (200, body(api.import_factors(request)?)?),
        OrgCommand::CreateChallenge { user_id } => (201, body(api.create_challenge(&user_id)?)?),
        OrgCommand::ValidateChallenge {
            user_id,
            code,
            remember,
        } => (
            200,
            body(api.validate_challenge_remembering(&user_id, &code, remember)?)?,
        ),
        OrgCommand::Factors { user_id } => (
            200,
            body(List {
                data: api.factors(&user_id)?,
            })?,
        ),
        OrgCommand::RenameFactor {
            user_id,
            factor_id,
            friendly_name,
        } => (
            200,
            body(api.rename_factor(&user_id, &factor_id, friendly_name)?)?,
        ),
        OrgCommand::DeleteFactor { user_id, factor_id } => {
            api.delete_factor(&user_id, &factor_id)?;
            (204, Value::Null)
        }
        OrgCommand::VerifyTrustedDevice {
            user_id,
            device_token,
        } => (200, body(api.verify_device(&user_id, device_token)?)?),
        OrgCommand::TrustedDevices { user_id } => (
            200,
            body(List {
                data: api.trusted_devices(&user_id)?,
            })?,
        ),
        OrgCommand::RevokeTrustedDevice { user_id, device_id } => {
            api.revoke_device(&user_id, &device_id)?;
            (204, Value::Null)
        }
        OrgCommand::RevokeTrustedDevices { user_id } => {
            api.revoke_devices(&user_id)?;
            (204, Value::Null)
        }
        OrgCommand::AuditEvents { page } => (
            200,
            body(api.audit_events(page)?.map(AuditEventBody::from))?,
        ),
        OrgCommand::CreateWebhook { input } => (201, body(api.create_webhook(checked(input))?)?),
        OrgCommand::Webhooks => (
            200,
            body(List {
                data: api.webhooks()?,
            })?,
        ),
        OrgCommand::Webhook { id } => (200, body(api.webhook(&id)?)?),
        OrgCommand::UpdateWebhook { id, input } => {
            (200, body(api.update_webhook(&id, checked(input))?)?)
        }
        OrgCommand::DeleteWebhook { id } => {
            api.delete_webhook(&id)?;
            (204, Value::Null)
        }
        OrgCommand::RotateWebhookSecret { id } => (200, body(api.rotate_webhook_secret(&id)?)?),
        OrgCommand::WebhookDeliveries { id } => (
            200,
            body(List {
                data: api.webhook_deliveries(&id)?,
            })?,
        ),
        OrgCommand::RetryWebhookDelivery { id, message_id } => {
            (202, body(api.retry_webhook_delivery(&id, &message_id)?)?)
        }
        OrgCommand::PrepareDelivery { message_id, round } => {
            (200, body(api.prepare_delivery(&message_id, round)?)?)
        }
        OrgCommand::RecordAttempt { report } => {
            (200, body(api.record_attempt(report, settings.retry_base)?)?)
        }
        OrgCommand::Reseal { limit } => (200, body(api.reseal(limit)?)?),
    };
    Ok(answer)
}
