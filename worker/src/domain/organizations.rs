//! Organizations: an account's business customers, each with its TOTP connection.

use super::error::{Error, Result};
use super::model::{Connection, Method, Organization, Page, PageRequest, Tenant};
use super::store::Store;
use super::{Clock, Service, new_id, validate};

/// Domains tried with a numeric suffix before giving up on a name.
const DOMAIN_ATTEMPTS: u32 = 20;

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Creates an organization and its inactive TOTP connection. The domain is derived from
    /// the name; a taken one gets the first free suffix (`acme-2`, `acme-3`, ...).
    pub async fn create_organization(
        &self,
        tenant: &Tenant,
        name: &str,
        email_domains: &[String],
    ) -> Result<Organization> {
        let name = validate::text("name", name, 128)?;
        let email_domains = email_domains
            .iter()
            .map(|domain| validate::domain("email_domains", domain))
            .collect::<Result<Vec<_>>>()?;
        if email_domains.len() > 50 {
            return Err(Error::invalid(
                "email_domains",
                "must have at most 50 entries",
            ));
        }
        let base = validate::slug(&name);
        let now = self.clock.now();
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
                created_at: now,
                account_id: tenant.account_id.clone(),
            };
            let connection = default_connection(&organization, now);
            if self
                .store
                .insert_organization(&organization, &connection)
                .await?
            {
                return Ok(organization);
            }
        }
        Err(Error::Conflict(
            "too many organizations share this name".into(),
        ))
    }

    /// The tenant's organization with this domain.
    pub async fn organization(&self, tenant: &Tenant, domain: &str) -> Result<Organization> {
        self.store
            .organization(tenant, domain)
            .await?
            .ok_or(Error::NotFound("organization not found"))
    }

    /// A page of the tenant's organizations.
    pub async fn organizations(
        &self,
        tenant: &Tenant,
        page: PageRequest,
    ) -> Result<Page<Organization>> {
        let (data, total) = self.store.organizations(tenant, page).await?;
        Ok(Page::new(data, total, page))
    }
}

fn default_connection(organization: &Organization, now: u64) -> Connection {
    Connection {
        organization_id: organization.id.clone(),
        active: false,
        method: Method::TotpApp,
        algorithm: otp_core::Algorithm::Sha1,
        digits: otp_core::Digits::Six,
        period: 30,
        skew: 1,
        issuer: organization.name.replace(':', " "),
        max_attempts: 5,
        updated_at: now,
    }
}

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Reaches storage once, for the health check.
    pub async fn ping(&self) -> Result<()> {
        self.store.account_by_domain("").await.map(drop)
    }
}
