//! Recovery codes: a set of five issued with a first or forced enrollment, and regenerated on
//! demand with a current code of the active factor as proof. A new set replaces the old one in
//! the same transaction, so the old codes stop working at once.

use otp_core::recovery;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::sql::{Sql, Statement};

use super::attempt::{AttemptKind, ValidationResult};
use super::audit::AuditKind;
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::json;

/// Recovery codes per set.
pub const RECOVERY_CODES: usize = 5;

/// A set of recovery codes, with the writes that make it the user's only one.
pub(super) struct RecoverySet {
    /// Five codes joined by `\n`, shown once.
    pub codes: String,
    /// The writes that replace the user's codes with their hashes.
    pub writes: Vec<Statement>,
}

/// The answer to a regeneration: the attempt's outcome and, if the code was accepted, the new
/// set.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodesRegenerated {
    /// The attempt, as a validation answers it.
    #[serde(flatten)]
    pub result: ValidationResult,
    /// Five new codes joined by `\n` when the code was accepted (the old ones stopped working
    /// in the same transaction); `null` when it was refused.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub recovery_codes: Option<String>,
}

impl<S: Sql> OrgService<'_, S> {
    /// A fresh set for `user_id`.
    pub(super) fn recovery_set(&self, user_id: &str) -> Result<RecoverySet> {
        let codes = (0..RECOVERY_CODES)
            .map(|_| recovery::generate().map_err(Error::internal))
            .collect::<Result<Vec<_>>>()?;
        let hashes: Vec<[u8; 32]> = codes
            .iter()
            .filter_map(|code| self.keys.recovery_hash(code))
            .collect();
        let codes: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
        Ok(RecoverySet {
            codes: codes.join("\n"),
            writes: store::replace_recovery_codes(user_id, &hashes),
        })
    }

    /// Replaces the user's recovery codes with a new set, if `code` is a current code of an
    /// active factor: counted, single use and locked out like a challenge's code. A recovery
    /// code is no proof here.
    pub fn regenerate_recovery_codes(
        &self,
        user_id: &str,
        code: &str,
    ) -> Result<RecoveryCodesRegenerated> {
        let connection = self.active_connection()?;
        let (user, factors) = self.with_active_factor(&connection, user_id)?;
        let set = self.recovery_set(&user)?;
        let mut on_success = set.writes;
        on_success.push(self.audit(AuditKind::RecoveryCodesRegenerated, Some(&user), None));
        let count = data([("recovery_codes_remaining", json!(RECOVERY_CODES))]);
        on_success.push(self.notify(EventType::RecoveryCodesRegenerated, Some(&user), count)?);
        let result = self.attempt(
            &connection,
            &user,
            factors,
            code,
            AttemptKind::Proof,
            Box::new(|_| Ok(on_success)),
        )?;
        Ok(RecoveryCodesRegenerated {
            recovery_codes: result.success.then_some(set.codes),
            result,
        })
    }
}
