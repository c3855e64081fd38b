//! A user's factors, each named and revocable alone: listed, renamed, removed. Removing the
//! last one is removing the enrollment (recovery codes and challenges go with it); removing
//! any revokes the user's trusted devices.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::factor::{Factor, FactorStatus, MAX_FRIENDLY_NAME};
use crate::model::Method;
use crate::sql::Sql;
use crate::validate;

use super::audit::AuditKind;
use super::store::AnswerKind;
use super::webhooks::data;
use super::{OrgService, store};
use crate::webhook::EventType;
use serde_json::json;

/// A factor as answered: never its secret.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Factor))]
pub struct FactorSummary {
    /// Identifier.
    pub id: String,
    /// What the user calls it.
    pub friendly_name: String,
    /// `totp_app` or `sms`.
    pub method: Method,
    /// `pending` until its first code, then `active`.
    pub status: FactorStatus,
    /// Unix seconds when the factor was created.
    pub created_at: u64,
    /// Unix seconds when one of its codes was last accepted; null if never.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<u64>,
    /// A renewed secret waits beside the active one for its first code.
    pub reenrollment_pending: bool,
}

impl From<Factor> for FactorSummary {
    fn from(factor: Factor) -> Self {
        Self {
            reenrollment_pending: factor.pending.is_some(),
            id: factor.id,
            friendly_name: factor.friendly_name,
            method: factor.enrollment.method,
            status: factor.status,
            created_at: factor.created_at,
            last_used_at: factor.last_used_at,
        }
    }
}

/// A factor's name as received, checked.
pub(super) fn friendly_name(name: &str) -> Result<String> {
    validate::text("friendly_name", name, MAX_FRIENDLY_NAME)
}

impl<S: Sql> OrgService<'_, S> {
    /// The user's factors, oldest first.
    pub fn factors(&self, user_id: &str) -> Result<Vec<FactorSummary>> {
        let user = self.user_id(user_id)?;
        let factors = store::factors(self.sql, &user)?;
        Ok(factors.into_iter().map(FactorSummary::from).collect())
    }

    /// Renames one of the user's factors.
    pub fn rename_factor(
        &self,
        user_id: &str,
        factor_id: &str,
        name: Option<String>,
    ) -> Result<FactorSummary> {
        let name =
            friendly_name(&name.ok_or_else(|| Error::invalid("friendly_name", "is required"))?)?;
        let user = self.user_id(user_id)?;
        let mut factor = self.factor_of(&user, factor_id)?;
        if factor.friendly_name != name {
            factor.friendly_name = name;
            let renamed = data([("factor_id", json!(factor.id))]);
            self.sql.commit(vec![
                store::save_factor(&factor),
                self.audit(
                    AuditKind::FactorRenamed,
                    Some(&user),
                    Some(format!("factor {}", factor.id)),
                ),
                self.notify(EventType::FactorRenamed, Some(&user), renamed)?,
            ])?;
        }
        Ok(factor.into())
    }

    /// Removes one of the user's factors and revokes the user's trusted devices; the last
    /// factor goes with the recovery codes and challenges, as [`Self::delete_enrollment`].
    /// The user's guard stays either way.
    pub fn delete_factor(&self, user_id: &str, factor_id: &str) -> Result<()> {
        let user = self.user_id(user_id)?;
        let factor = self.factor_of(&user, factor_id)?;
        let last = store::factors(self.sql, &user)?.len() == 1;
        let mut writes = if last {
            store::delete_factors(&user)
        } else {
            vec![store::delete_factor(&user, &factor.id)]
        };
        writes.push(store::delete_devices(&user));
        // A kept enrollment may hold this factor's pending secret; a challenge may have
        // been sent for it.
        writes.push(store::forget_answers(
            &user,
            &[AnswerKind::Enrollment, AnswerKind::Challenge],
        ));
        let detail = format!("factor {}", factor.id);
        writes.push(self.audit(AuditKind::FactorRemoved, Some(&user), Some(detail)));
        let removed = data([("factor_id", json!(factor.id)), ("all", json!(last))]);
        writes.push(self.notify(EventType::FactorRemoved, Some(&user), removed)?);
        self.sql.commit(writes)
    }
}
