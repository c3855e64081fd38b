//! The append-only audit trail of an organization.

use crate::error::Result;
use crate::model::{AuditEvent, Page, PageRequest};
use crate::sql::{Sql, Statement};

use super::{OrgService, store};

impl<S: Sql> OrgService<'_, S> {
    /// The write that records an event, to commit with the change it describes. Callers pass
    /// only non-secret details.
    pub(super) fn audit(
        &self,
        event: &str,
        user_id: Option<&str>,
        detail: Option<String>,
    ) -> Statement {
        store::append_audit(&AuditEvent {
            at: self.now,
            event: event.to_owned(),
            user_id: user_id.map(str::to_owned),
            detail,
        })
    }

    /// A page of the audit trail, newest first.
    pub fn audit_events(&self, page: PageRequest) -> Result<Page<AuditEvent>> {
        let (data, total) = store::audit_events(self.sql, page)?;
        Ok(Page::new(data, total, page))
    }
}
