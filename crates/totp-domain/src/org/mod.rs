//! Everything under one organization, over its own SQLite ([`Sql`]): users, the TOTP
//! connection, enrollment, challenges, recovery codes, the audit trail, and the operator's
//! re-seal and export. Every operation is synchronous: it reads, decides, and commits its
//! change with its audit event in one transaction, and nothing can run in between.

mod attempt;
mod audit;
mod challenges;
mod connection;
mod devices;
mod enrollment;
pub mod export;
mod factors;
pub mod idempotency;
mod import;
mod lookup;
mod operate;
mod policy;
mod recovery_codes;
mod restore;
pub mod schema;
mod sms;
mod status;
pub mod store;
mod users;
mod webhooks;

pub use attempt::{FailureReason, ValidationResult};
pub use audit::AuditKind;
pub use challenges::ChallengeCreated;
pub use connection::ConnectionUpdate;
pub use devices::{DeviceVerification, MAX_DEVICES, RememberDevice};
pub use enrollment::{EnrollOptions, EnrollmentCreated};
pub use factors::FactorSummary;
pub use import::{ImportEntry, ImportReport, ImportRequest, ImportResult, MAX_IMPORTS, Refusal};
pub use operate::ResealReport;
pub use recovery_codes::{RECOVERY_CODES, RecoveryCodesRegenerated};
pub use restore::{Restore, RestoreReport};
pub use sms::SMS_CODE_LIFETIME;
pub use status::{EnrollmentState, EnrollmentStatus};
pub use store::{AnswerKind, TrustedDevice};
pub use users::{NewUser, UserUpdate};
pub use webhooks::{
    AfterAttempt, AttemptReport, Endpoint, EndpointInput, EndpointWithSecret, PreparedDelivery,
    Requeued,
};

use std::cell::Cell;

use crate::keys::Keys;
use crate::model::Organization;
use crate::sql::Sql;

/// One organization's operations at one instant.
pub struct OrgService<'a, S> {
    sql: &'a S,
    keys: &'a Keys,
    organization: &'a Organization,
    now: u64,
    /// Set by a change that wrote webhook messages: the object then hands its outbox to the
    /// queue.
    notified: Cell<bool>,
}

impl<'a, S: Sql> OrgService<'a, S> {
    /// The operations of `organization` over its database `sql`, at Unix second `now`.
    pub fn new(sql: &'a S, keys: &'a Keys, organization: &'a Organization, now: u64) -> Self {
        Self {
            sql,
            keys,
            organization,
            now,
            notified: Cell::new(false),
        }
    }

    /// Whether a call of this service wrote webhook messages (committed or not).
    pub fn notified(&self) -> bool {
        self.notified.get()
    }

    /// The housekeeping the object's alarm runs: kept answers past 24 hours, audit events past
    /// the organization's retention (up to `audit_batch` a run) and webhook messages and
    /// attempts past 7 days are deleted. The seconds until something else expires, if
    /// anything will.
    pub fn maintain(&self, audit_batch: u32) -> crate::error::Result<Option<u64>> {
        let answers = idempotency::forget_expired_answers(self.sql, self.now)?;
        let retention = u64::from(self.connection()?.audit_retention_days) * 24 * 60 * 60;
        let before = self.now.saturating_sub(retention);
        let audit = if store::forget_audit_before(self.sql, before, audit_batch)? {
            // More than a batch was due: the next run comes at once.
            Some(1)
        } else {
            store::oldest_audit_event(self.sql)?.map(|oldest| {
                oldest
                    .saturating_add(retention)
                    .saturating_sub(self.now)
                    .max(1)
            })
        };
        let deliveries = self
            .forget_old_deliveries()?
            .map(|expires| expires.saturating_sub(self.now).max(1));
        Ok([answers, audit, deliveries].into_iter().flatten().min())
    }

    /// Brings the schema up to date (sealing profiles written before version 4) and creates
    /// the organization's connection (inactive) if it has none yet: the first call after a
    /// deploy or for a new organization.
    pub fn open(&self) -> crate::error::Result<()> {
        schema::migrate(self.sql)?;
        self.seal_legacy_profiles()?;
        let mut writes = vec![store::save_directory_entry(self.organization)?];
        if store::connection(self.sql)?.is_none() {
            let connection = connection::default_connection(self.organization, self.now);
            writes.push(store::save_connection(&connection));
        }
        self.sql.commit(writes)
    }
}
