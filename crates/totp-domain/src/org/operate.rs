//! The operator's view of an organization: re-sealing secrets after a key rotation, and an
//! export of everything it holds (secrets stay sealed, recovery codes stay hashed).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::Result;
use crate::sql::{Sql, Statement};

use super::{OrgService, schema, store};

/// What a re-seal pass did in one organization.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResealReport {
    /// Factors (their active and pending secrets) and user profiles moved to the current keys
    /// (sealing, and email lookup) in this pass.
    pub resealed: u32,
    /// Whether secrets under older keys remain (run another pass).
    pub remaining: bool,
}

/// Everything an organization's object holds, table by table.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Export {
    /// The object's schema version.
    pub schema_version: u32,
    /// Rows of each table as stored (binary values in base64).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::tables))]
    pub tables: serde_json::Map<String, Json>,
}

/// The tables of an export, in order.
const TABLES: &[&str] = &[
    "connection",
    "users",
    "guards",
    "factors",
    "recovery_codes",
    "challenges",
    "trusted_devices",
    "webhook_endpoints",
    "webhook_messages",
    "webhook_attempts",
    "idempotency",
    "audit_events",
];

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

    /// Every row of every table. Sealed secrets and recovery-code hashes are exported as
    /// stored; nothing is opened.
    pub fn export(&self) -> Result<Export> {
        let mut tables = serde_json::Map::new();
        for table in TABLES {
            let rows: Vec<Json> = self
                .sql
                .rows(&Statement::new(format!("SELECT * FROM {table}"), vec![]))?;
            tables.insert((*table).to_owned(), Json::Array(rows));
        }
        Ok(Export {
            schema_version: schema::version(self.sql)?,
            tables,
        })
    }
}
