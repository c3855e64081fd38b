//! The organization directory: which organizations an account has in each environment. Each
//! organization's data lives in its own object; the directory only names it.

use crate::error::{Error, Record, Result};
use crate::model::{Organization, Page, PageRequest, Tenant};
use crate::sql::ControlDb;
use crate::{new_id, validate};

use super::{Control, store};

/// Domains tried with a numeric suffix before giving up on a name.
const DOMAIN_ATTEMPTS: u32 = 20;

impl<D: ControlDb> Control<'_, D> {
    /// Registers an organization. The domain is derived from the name; a taken one gets the
    /// first free suffix (`acme-2`, `acme-3`, ...). Its object starts on its first call.
    pub async fn create_organization(
        &self,
        tenant: &Tenant,
        name: &str,
        email_domains: &[String],
    ) -> Result<Organization> {
        let name = validate::text("name", name, 128)?;
        let email_domains = email_domains_of(email_domains)?;
        let base = validate::slug(&name);
        for attempt in 1..=DOMAIN_ATTEMPTS {
            let domain = if attempt == 1 {
                base.clone()
            } else {
                format!("{base}-{attempt}")
            };
            let organization = Organization {
                id: new_id()?,
                domain,
                name: name.clone(),
                email_domains: email_domains.clone(),
                environment: tenant.environment,
                created_at: self.now,
                account_id: tenant.account_id.clone(),
            };
            if store::insert_organization(self.db, &organization).await? {
                return Ok(organization);
            }
        }
        Err(Error::OrganizationNamesExhausted)
    }

    /// Renames the tenant's organization `domain` or changes its email domains (absent values
    /// keep theirs); the domain stays. Audited in the control plane.
    pub async fn update_organization(
        &self,
        tenant: &Tenant,
        domain: &str,
        name: Option<&str>,
        email_domains: Option<&[String]>,
    ) -> Result<Organization> {
        let mut organization = organization(self.db, tenant, domain).await?;
        if let Some(name) = name {
            organization.name = validate::text("name", name, 128)?;
        }
        if let Some(domains) = email_domains {
            organization.email_domains = email_domains_of(domains)?;
        }
        self.db
            .batch(vec![
                store::update_organization(&organization)?,
                store::append_control_audit(&organization, "organization.updated", self.now),
            ])
            .await?;
        Ok(organization)
    }

    /// Forgets `organization` in the directory, with the answers kept about it, and records
    /// its deletion in the control plane's audit trail. Its object's storage must be deleted
    /// first: once the directory forgets it, nothing finds the object again.
    pub async fn forget_organization(&self, organization: &Organization) -> Result<()> {
        let mut writes = store::delete_organization(&organization.id).to_vec();
        writes.push(store::append_control_audit(
            organization,
            "organization.deleted",
            self.now,
        ));
        self.db.batch(writes).await
    }

    /// Any organization by id (operator).
    pub async fn organization_by_id(&self, id: &str) -> Result<Organization> {
        store::organization_by_id(self.db, id)
            .await?
            .ok_or(Error::NotFound(Record::Organization))
    }

    /// A page of the tenant's organizations.
    pub async fn organizations(
        &self,
        tenant: &Tenant,
        page: PageRequest,
    ) -> Result<Page<Organization>> {
        let (data, next, total) = store::organizations(self.db, tenant, &page).await?;
        Ok(Page::new(data, total, &page, next))
    }

    /// Up to `limit` organizations of every account after `after`, for operator walks.
    pub async fn all_organizations(
        &self,
        after: Option<&Organization>,
        limit: u32,
    ) -> Result<Vec<Organization>> {
        store::all_organizations(self.db, after, limit).await
    }
}

/// Email domains as received, each checked, at most 50.
fn email_domains_of(domains: &[String]) -> Result<Vec<String>> {
    if domains.len() > 50 {
        return Err(Error::invalid(
            "email_domains",
            "must have at most 50 entries",
        ));
    }
    domains
        .iter()
        .map(|domain| validate::domain("email_domains", domain))
        .collect()
}

/// The tenant's organization with this domain, as stored now.
pub async fn organization(
    db: &impl ControlDb,
    tenant: &Tenant,
    domain: &str,
) -> Result<Organization> {
    store::organization(db, tenant, domain)
        .await?
        .ok_or(Error::NotFound(Record::Organization))
}
