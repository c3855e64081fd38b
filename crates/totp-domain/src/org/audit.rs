//! The append-only audit trail of an organization.

use crate::error::Result;
use crate::model::{AuditEvent, Page, PageRequest};
use crate::sql::{Sql, Statement};

use super::{OrgService, store};

/// What an audit event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditKind {
    /// The TOTP connection changed.
    ConnectionUpdated,
    /// The MFA policy (enforcement, grace period) changed.
    PolicyUpdated,
    /// A factor was renamed (the detail is its id).
    FactorRenamed,
    /// One of a user's factors was removed (the detail is its id).
    FactorRemoved,
    /// A device was remembered after a validation (the detail is its id).
    TrustedDeviceCreated,
    /// Trusted devices were revoked (the detail says which, or why).
    TrustedDevicesRevoked,
    /// A webhook endpoint was created, changed, deleted, its secret rotated or a message sent
    /// again (the detail says which).
    WebhookChanged,
    /// A profile changed (the detail names the fields, never their values).
    UserUpdated,
    /// A user was deleted (named by id only).
    UserDeleted,
    /// A secret was enrolled (`standard` or `forced`).
    EnrollmentCreated,
    /// An enrollment's first code was accepted.
    EnrollmentValidated,
    /// A user's factor was removed.
    EnrollmentDeleted,
    /// A factor was imported from an otpauth URI.
    FactorImported,
    /// A challenge was opened.
    ChallengeCreated,
    /// A challenge's code was accepted.
    ValidationSucceeded,
    /// A code was refused (the detail counts consecutive failures).
    ValidationFailed,
    /// Failures reached a backoff or the hard lock.
    FactorLocked,
    /// A recovery code was spent.
    RecoveryCodeUsed,
    /// A new set of recovery codes replaced the old one.
    RecoveryCodesRegenerated,
    /// A user was created.
    UserCreated,
    /// The organization was restored from an export (the detail is the source's id).
    OrganizationRestored,
    /// A kept answer was replayed for an `Idempotency-Key` retry (the detail is the route).
    IdempotencyReplayed,
}

impl AuditKind {
    /// The name stored and answered, e.g. `enrollment.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectionUpdated => "connection.updated",
            Self::PolicyUpdated => "mfa_policy.updated",
            Self::FactorRenamed => "factor.renamed",
            Self::FactorRemoved => "factor.removed",
            Self::TrustedDeviceCreated => "trusted_device.created",
            Self::TrustedDevicesRevoked => "trusted_devices.revoked",
            Self::WebhookChanged => "webhook.changed",
            Self::UserUpdated => "user.updated",
            Self::UserDeleted => "user.deleted",
            Self::EnrollmentCreated => "enrollment.created",
            Self::EnrollmentValidated => "enrollment.validated",
            Self::EnrollmentDeleted => "enrollment.deleted",
            Self::FactorImported => "factor.imported",
            Self::ChallengeCreated => "challenge.created",
            Self::ValidationSucceeded => "validation.succeeded",
            Self::ValidationFailed => "validation.failed",
            Self::FactorLocked => "factor.locked",
            Self::RecoveryCodeUsed => "recovery_code.used",
            Self::RecoveryCodesRegenerated => "recovery_codes.regenerated",
            Self::UserCreated => "user.created",
            Self::OrganizationRestored => "organization.restored",
            Self::IdempotencyReplayed => "idempotency.replayed",
        }
    }
}

impl<S: Sql> OrgService<'_, S> {
    /// The write that records an event, to commit with the change it describes. Callers pass
    /// only non-secret details.
    pub(super) fn audit(
        &self,
        kind: AuditKind,
        user_id: Option<&str>,
        detail: Option<String>,
    ) -> Statement {
        store::append_audit(&AuditEvent {
            at: self.now,
            event: kind.as_str().to_owned(),
            user_id: user_id.map(str::to_owned),
            detail,
        })
    }

    /// A page of the audit trail, newest first.
    pub fn audit_events(&self, page: PageRequest) -> Result<Page<AuditEvent>> {
        let (data, next, total) = store::audit_events(self.sql, &page)?;
        Ok(Page::new(data, total, &page, next))
    }
}
