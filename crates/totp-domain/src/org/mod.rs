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
mod factors;
pub mod idempotency;
mod import;
mod lookup;
mod operate;
mod policy;
mod recovery_codes;
pub mod schema;
mod sms;
mod status;
pub mod store;
mod users;

pub use attempt::{FailureReason, ValidationResult};
pub use audit::AuditKind;
pub use challenges::ChallengeCreated;
pub use connection::ConnectionUpdate;
pub use devices::{DeviceVerification, MAX_DEVICES, RememberDevice};
pub use enrollment::{EnrollOptions, EnrollmentCreated};
pub use factors::FactorSummary;
pub use import::{ImportEntry, ImportReport, ImportRequest, ImportResult, MAX_IMPORTS, Refusal};
pub use operate::{Export, ResealReport};
pub use recovery_codes::{RECOVERY_CODES, RecoveryCodesRegenerated};
pub use sms::SMS_CODE_LIFETIME;
pub use status::{EnrollmentState, EnrollmentStatus};
pub use store::{AnswerKind, TrustedDevice};
pub use users::{NewUser, UserUpdate};

use crate::keys::Keys;
use crate::model::Organization;
use crate::sql::Sql;

/// One organization's operations at one instant.
pub struct OrgService<'a, S> {
    sql: &'a S,
    keys: &'a Keys,
    organization: &'a Organization,
    now: u64,
}

impl<'a, S: Sql> OrgService<'a, S> {
    /// The operations of `organization` over its database `sql`, at Unix second `now`.
    pub fn new(sql: &'a S, keys: &'a Keys, organization: &'a Organization, now: u64) -> Self {
        Self {
            sql,
            keys,
            organization,
            now,
        }
    }

    /// Brings the schema up to date (sealing profiles written before version 4) and creates
    /// the organization's connection (inactive) if it has none yet: the first call after a
    /// deploy or for a new organization.
    pub fn open(&self) -> crate::error::Result<()> {
        schema::migrate(self.sql)?;
        self.seal_legacy_profiles()?;
        if store::connection(self.sql)?.is_none() {
            let connection = connection::default_connection(self.organization, self.now);
            self.sql.commit(vec![store::save_connection(&connection)])?;
        }
        Ok(())
    }
}
