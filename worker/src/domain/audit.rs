//! The append-only audit trail of an organization.

use super::error::Result;
use super::model::{AuditEvent, Organization, Page, PageRequest};
use super::store::Store;
use super::{Clock, Service};

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Appends an event. Callers pass only non-secret details.
    pub(super) async fn audit(
        &self,
        organization: &Organization,
        event: &str,
        user_id: Option<&str>,
        detail: Option<String>,
    ) -> Result<()> {
        self.store
            .append_audit(&AuditEvent {
                organization_id: organization.id.clone(),
                at: self.clock.now(),
                event: event.to_owned(),
                user_id: user_id.map(str::to_owned),
                detail,
            })
            .await
    }

    /// A page of the audit trail, newest first.
    pub async fn audit_events(
        &self,
        organization: &Organization,
        page: PageRequest,
    ) -> Result<Page<AuditEvent>> {
        let (data, total) = self.store.audit_events(&organization.id, page).await?;
        Ok(Page::new(data, total, page))
    }
}
