//! Re-sealing an organization's secrets after a key rotation (the operator's walk).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::sql::Sql;

use super::{OrgService, store};

/// What a re-seal pass did in one organization.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResealReport {
    /// Factors (their active and pending secrets) and user profiles moved to the current keys
    /// (sealing, and email lookup) in this pass.
    pub resealed: u32,
    /// Whether secrets under older keys remain (run another pass).
    pub remaining: bool,
}

impl<S: Sql> OrgService<'_, S> {
    /// Re-seals up to `limit` sealed values still under an older key with the current one
    /// (factors first, then profiles), each factor or profile in its own transaction (a pass may stop anywhere and be run again).
    pub fn reseal(&self, limit: u32) -> Result<ResealReport> {
        let current = self.keys.current_key_id();
        let mut report = ResealReport::default();
        for mut factor in store::factors_sealed_under_other_keys(self.sql, current, limit)? {
            let user = factor.user_id.clone();
            for enrollment in std::iter::once(&mut factor.enrollment).chain(factor.pending.as_mut())
            {
                let secret = self.keys.open(&enrollment.sealed_secret, &user)?;
                enrollment.sealed_secret = self.keys.seal(&secret, &user)?;
            }
            self.sql.commit(vec![store::save_factor(&factor)])?;
            report.resealed += 1;
        }
        report.resealed += self.reseal_profiles(limit.saturating_sub(report.resealed))?;
        report.resealed += self.reseal_webhook_secrets(limit.saturating_sub(report.resealed))?;
        report.remaining = !store::factors_sealed_under_other_keys(self.sql, current, 1)?
            .is_empty()
            || !self.users_under_other_keys(1)?.is_empty()
            || self.webhook_secrets_to_reseal()?;
        Ok(report)
    }
}
