//! Loading and saving the control plane's records in D1 (schema in `worker/migrations/`).

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::idempotency::IdempotentRequest;
use crate::model::{Account, ApiKey, Environment, Organization, PageRequest, Tenant};
use crate::sql::{ControlDb, Count, Statement, blob, unblob};
use crate::{cursor, stmt};

#[derive(Deserialize)]
struct AccountRow {
    id: String,
    domain: String,
    created_at: u64,
}

/// Inserts an account; `false` if its domain is taken.
pub async fn insert_account(db: &impl ControlDb, account: &Account) -> Result<bool> {
    let write = stmt!(
        "INSERT INTO accounts (id, domain, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (domain) DO NOTHING",
        &account.id,
        &account.domain,
        account.created_at
    );
    Ok(db.run(&write).await? == 1)
}

/// The account with this domain.
pub async fn account_by_domain(db: &impl ControlDb, domain: &str) -> Result<Option<Account>> {
    let query = stmt!(
        "SELECT id, domain, created_at FROM accounts WHERE domain = ?1",
        domain
    );
    Ok(db.row::<AccountRow>(&query).await?.map(|row| Account {
        id: row.id,
        domain: row.domain,
        created_at: row.created_at,
    }))
}

#[derive(Deserialize)]
struct ApiKeyRow {
    client_id: String,
    account_id: String,
    environment: String,
    secret_hash: String,
    created_at: u64,
    revoked_at: Option<u64>,
}

fn environment(name: &str) -> Result<Environment> {
    Environment::parse(name).ok_or_else(|| Error::internal("unknown environment in storage"))
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = Error;
    fn try_from(row: ApiKeyRow) -> Result<Self> {
        Ok(Self {
            client_id: row.client_id,
            account_id: row.account_id,
            environment: environment(&row.environment)?,
            secret_hash: unblob(&row.secret_hash)?,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// Inserts an API key.
pub async fn insert_api_key(db: &impl ControlDb, key: &ApiKey) -> Result<()> {
    let write = stmt!(
        "INSERT INTO api_keys (client_id, account_id, environment, secret_hash, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &key.client_id,
        &key.account_id,
        key.environment.as_str(),
        blob(&key.secret_hash),
        key.created_at
    );
    db.run(&write).await.map(drop)
}

/// The API key with this client id.
pub async fn api_key(db: &impl ControlDb, client_id: &str) -> Result<Option<ApiKey>> {
    let query = stmt!("SELECT * FROM api_keys WHERE client_id = ?1", client_id);
    db.row::<ApiKeyRow>(&query)
        .await?
        .map(ApiKey::try_from)
        .transpose()
}

/// An account's API keys, newest first.
pub async fn api_keys(db: &impl ControlDb, account_id: &str) -> Result<Vec<ApiKey>> {
    let query = stmt!(
        "SELECT * FROM api_keys WHERE account_id = ?1 ORDER BY created_at DESC, client_id",
        account_id
    );
    let rows: Vec<ApiKeyRow> = db.rows(&query).await?;
    rows.into_iter().map(ApiKey::try_from).collect()
}

/// Revokes a key of the account; `false` if there is no such unrevoked key.
pub async fn revoke_api_key(
    db: &impl ControlDb,
    account_id: &str,
    client_id: &str,
    now: u64,
) -> Result<bool> {
    let write = stmt!(
        "UPDATE api_keys SET revoked_at = ?3 \
         WHERE account_id = ?1 AND client_id = ?2 AND revoked_at IS NULL",
        account_id,
        client_id,
        now
    );
    Ok(db.run(&write).await? == 1)
}

#[derive(Deserialize)]
struct OrganizationRow {
    id: String,
    account_id: String,
    environment: String,
    domain: String,
    name: String,
    email_domains: String,
    created_at: u64,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = Error;
    fn try_from(row: OrganizationRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            domain: row.domain,
            name: row.name,
            email_domains: serde_json::from_str(&row.email_domains).map_err(Error::internal)?,
            environment: environment(&row.environment)?,
            created_at: row.created_at,
            account_id: row.account_id,
        })
    }
}

const ORGANIZATION_COLUMNS: &str =
    "id, account_id, environment, domain, name, email_domains, created_at";

fn organizations_from(rows: Vec<OrganizationRow>) -> Result<Vec<Organization>> {
    rows.into_iter().map(Organization::try_from).collect()
}

/// Inserts a directory entry; `false` if its domain is taken in its account and environment.
pub async fn insert_organization(db: &impl ControlDb, org: &Organization) -> Result<bool> {
    let write = stmt!(
        "INSERT INTO organizations (id, account_id, environment, domain, name, email_domains, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account_id, environment, domain) DO NOTHING",
        &org.id,
        &org.account_id,
        org.environment.as_str(),
        &org.domain,
        &org.name,
        serde_json::to_string(&org.email_domains).map_err(Error::internal)?,
        org.created_at
    );
    Ok(db.run(&write).await? == 1)
}

/// Writes an organization's name and email domains in place.
pub fn update_organization(org: &Organization) -> Result<Statement> {
    Ok(stmt!(
        "UPDATE organizations SET name = ?2, email_domains = ?3 WHERE id = ?1",
        &org.id,
        &org.name,
        serde_json::to_string(&org.email_domains).map_err(Error::internal)?
    ))
}

/// Deletes an organization's directory entry and the answers kept about it.
pub fn delete_organization(id: &str) -> [Statement; 2] {
    [
        stmt!(
            "DELETE FROM idempotency_keys WHERE organization_id = ?1",
            id
        ),
        stmt!("DELETE FROM organizations WHERE id = ?1", id),
    ]
}

/// Appends to the control plane's audit trail: `event` happened to `org` at `now`.
pub fn append_control_audit(org: &Organization, event: &str, now: u64) -> Statement {
    stmt!(
        "INSERT INTO control_audit_events (at, account_id, environment, event, organization_id) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        now,
        &org.account_id,
        org.environment.as_str(),
        event,
        &org.id
    )
}

/// The tenant's organization with this domain.
pub async fn organization(
    db: &impl ControlDb,
    tenant: &Tenant,
    domain: &str,
) -> Result<Option<Organization>> {
    let query = stmt!(
        format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations \
             WHERE account_id = ?1 AND environment = ?2 AND domain = ?3"
        ),
        &tenant.account_id,
        tenant.environment.as_str(),
        domain
    );
    db.row::<OrganizationRow>(&query)
        .await?
        .map(Organization::try_from)
        .transpose()
}

/// The organization with this id, whoever owns it (operator).
pub async fn organization_by_id(db: &impl ControlDb, id: &str) -> Result<Option<Organization>> {
    let query = stmt!(
        format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?1"),
        id
    );
    db.row::<OrganizationRow>(&query)
        .await?
        .map(Organization::try_from)
        .transpose()
}

/// A page of the tenant's organizations, oldest first: the rows, the cursor after them if
/// more follow, and their total.
pub async fn organizations(
    db: &impl ControlDb,
    tenant: &Tenant,
    page: &PageRequest,
) -> Result<(Vec<Organization>, Option<String>, u64)> {
    let limit = page.per_page + 1;
    let (after, offset) = match &page.starting_after {
        Some(cursor) => (cursor::parse_organization(cursor)?, 0),
        None => ((0, String::new()), page.offset()),
    };
    let query = stmt!(
        format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE account_id = ?1 AND environment = ?2 \
             AND (created_at, id) > (?3, ?4) ORDER BY created_at, id LIMIT ?5 OFFSET ?6"
        ),
        &tenant.account_id,
        tenant.environment.as_str(),
        after.0,
        after.1,
        limit,
        offset
    );
    let mut rows = organizations_from(db.rows(&query).await?)?;
    let next = cursor::end_page(&mut rows, page.per_page, |org| {
        cursor::organization(org.created_at, &org.id)
    });
    let count = stmt!(
        "SELECT count(*) AS count FROM organizations WHERE account_id = ?1 AND environment = ?2",
        &tenant.account_id,
        tenant.environment.as_str()
    );
    let total = db.row::<Count>(&count).await?.map_or(0, |row| row.count);
    Ok((rows, next, total))
}

/// Up to `limit` organizations of every account, in creation order, after the one with id
/// `after` (operator walks).
pub async fn all_organizations(
    db: &impl ControlDb,
    after: Option<&Organization>,
    limit: u32,
) -> Result<Vec<Organization>> {
    let (created_at, id) = after.map_or((0, ""), |org| (org.created_at, org.id.as_str()));
    let query = stmt!(
        format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations \
             WHERE created_at > ?1 OR (created_at = ?1 AND id > ?2) \
             ORDER BY created_at, id LIMIT ?3"
        ),
        created_at,
        id,
        limit
    );
    organizations_from(db.rows(&query).await?)
}

/// Claims `key` for a request still running: `false` if a row for it exists already.
pub async fn claim_key(
    db: &impl ControlDb,
    tenant: &Tenant,
    request: &IdempotentRequest,
    now: u64,
) -> Result<bool> {
    let write = stmt!(
        "INSERT INTO idempotency_keys \
         (account_id, environment, key, route, fingerprint, created_at, client_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        &tenant.account_id,
        tenant.environment.as_str(),
        &request.key,
        &request.route,
        &request.fingerprint,
        now,
        &request.client_id
    );
    Ok(db.run(&write).await? == 1)
}

/// A claimed key: its request's digest, its answer once kept, and when it was claimed.
#[derive(Deserialize)]
pub struct ClaimedKey {
    /// The digest of the request that claimed it.
    pub fingerprint: String,
    /// The sealed answer (base64); `None` while the request runs.
    pub sealed_answer: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
}

/// The row for `key`, if any.
pub async fn claimed_key(
    db: &impl ControlDb,
    tenant: &Tenant,
    request: &IdempotentRequest,
) -> Result<Option<ClaimedKey>> {
    let query = stmt!(
        "SELECT fingerprint, sealed_answer, created_at FROM idempotency_keys \
         WHERE account_id = ?1 AND environment = ?2 AND key = ?3 AND route = ?4 \
           AND client_id = ?5",
        &tenant.account_id,
        tenant.environment.as_str(),
        &request.key,
        &request.route,
        &request.client_id
    );
    db.row(&query).await
}

/// Keeps the answer of the request that claimed `key`, about the organization `organization_id`.
pub async fn keep_answer(
    db: &impl ControlDb,
    tenant: &Tenant,
    request: &IdempotentRequest,
    sealed_answer: &[u8],
    organization_id: Option<&str>,
) -> Result<()> {
    let write = stmt!(
        "UPDATE idempotency_keys SET sealed_answer = ?5, organization_id = ?7 \
         WHERE account_id = ?1 AND environment = ?2 AND key = ?3 AND route = ?4 \
           AND client_id = ?6",
        &tenant.account_id,
        tenant.environment.as_str(),
        &request.key,
        &request.route,
        blob(sealed_answer),
        &request.client_id,
        organization_id
    );
    db.run(&write).await.map(drop)
}

/// Releases `key` (its request failed, or its row expired), so it can be claimed again.
pub async fn release_key(
    db: &impl ControlDb,
    tenant: &Tenant,
    request: &IdempotentRequest,
) -> Result<()> {
    let write = stmt!(
        "DELETE FROM idempotency_keys \
         WHERE account_id = ?1 AND environment = ?2 AND key = ?3 AND route = ?4 \
           AND client_id = ?5",
        &tenant.account_id,
        tenant.environment.as_str(),
        &request.key,
        &request.route,
        &request.client_id
    );
    db.run(&write).await.map(drop)
}

/// Forgets every key claimed before `before`.
pub async fn forget_keys_before(db: &impl ControlDb, before: u64) -> Result<()> {
    let write = stmt!("DELETE FROM idempotency_keys WHERE created_at < ?1", before);
    db.run(&write).await.map(drop)
}
