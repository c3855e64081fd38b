//! The D1 store. Every write that must happen at most once is one conditional statement, or
//! one D1 batch (a transaction), whose effect is checked: never a read, an await, then a write.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otp_core::{Algorithm, Digits};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::domain::error::{Error, Result};
use crate::domain::keys::sealed_key_id;
use crate::domain::lockout::LockoutPolicy;
use crate::domain::model::{
    Account, ApiKey, AuditEvent, Connection, Environment, Factor, FactorStatus, Method,
    Organization, PageRequest, Profile, Tenant, User,
};
use crate::domain::new_id;
use crate::domain::store::{
    Challenge, EnrollOutcome, Enrollment, RECOVERY_INTERVAL, RecoveryHash, Store,
};

/// The store over the `DB` binding.
pub struct D1Store {
    db: D1Database,
}

impl D1Store {
    /// A store over `db`.
    pub fn new(db: D1Database) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, args: &[JsValue]) -> Result<D1PreparedStatement> {
        self.db.prepare(sql).bind(args).map_err(storage_error)
    }

    async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> Result<Option<T>> {
        self.statement(sql, args)?
            .first(None)
            .await
            .map_err(storage_error)
    }

    async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> Result<Vec<T>> {
        let result = self
            .statement(sql, args)?
            .all()
            .await
            .map_err(storage_error)?;
        result.results().map_err(storage_error)
    }

    /// Rows changed by one write.
    async fn changes(&self, sql: &str, args: &[JsValue]) -> Result<usize> {
        let result = self
            .statement(sql, args)?
            .run()
            .await
            .map_err(storage_error)?;
        Ok(changes(&result))
    }

    async fn count(&self, sql: &str, args: &[JsValue]) -> Result<u64> {
        let row: Option<Count> = self.first(sql, args).await?;
        Ok(row.map_or(0, |row| row.count))
    }
}

/// D1's error text is verbose and may quote SQL: it goes to the log only, via `Internal`.
fn storage_error(error: worker::Error) -> Error {
    Error::internal(format!("D1: {error}"))
}

fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|meta| meta.changes)
        .unwrap_or(0)
}

fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

fn int(value: u64) -> JsValue {
    JsValue::from_f64(value as f64)
}

fn optional_text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, text)
}

fn blob(bytes: &[u8]) -> JsValue {
    text(&STANDARD.encode(bytes))
}

fn unblob(text: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|_| Error::internal("corrupt base64 column"))
}

fn page_args(page: PageRequest) -> [JsValue; 2] {
    [int(u64::from(page.per_page)), int(page.offset())]
}

#[derive(Deserialize)]
struct Count {
    count: u64,
}

#[derive(Deserialize)]
struct AccountRow {
    id: String,
    domain: String,
    created_at: u64,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            domain: row.domain,
            created_at: row.created_at,
        }
    }
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

fn environment(name: &str) -> Result<Environment> {
    Environment::parse(name).ok_or_else(|| Error::internal("unknown environment in storage"))
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

#[derive(Deserialize)]
struct UserRow {
    id: String,
    organization_id: String,
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    phone_number: Option<String>,
    created_at: u64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            profile: Profile {
                email: row.email,
                given_name: row.given_name,
                family_name: row.family_name,
                phone_number: row.phone_number,
            },
            created_at: row.created_at,
        }
    }
}

#[derive(Deserialize)]
struct ConnectionRow {
    organization_id: String,
    active: u64,
    method: String,
    algorithm: String,
    digits: u32,
    period: u64,
    skew: u8,
    issuer: String,
    max_attempts: u32,
    updated_at: u64,
}

fn method(name: &str) -> Result<Method> {
    Method::parse(name).ok_or_else(|| Error::internal("unknown method in storage"))
}

fn algorithm(name: &str) -> Result<Algorithm> {
    name.parse()
        .map_err(|_| Error::internal("unknown algorithm in storage"))
}

fn digits(count: u32) -> Result<Digits> {
    Digits::try_from(count).map_err(|_| Error::internal("unknown digits in storage"))
}

impl TryFrom<ConnectionRow> for Connection {
    type Error = Error;
    fn try_from(row: ConnectionRow) -> Result<Self> {
        Ok(Self {
            organization_id: row.organization_id,
            active: row.active != 0,
            method: method(&row.method)?,
            algorithm: algorithm(&row.algorithm)?,
            digits: digits(row.digits)?,
            period: row.period,
            skew: row.skew,
            issuer: row.issuer,
            max_attempts: row.max_attempts,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Deserialize)]
struct FactorRow {
    user_id: String,
    generation: u32,
    status: String,
    method: String,
    sealed_secret: String,
    algorithm: String,
    digits: u32,
    period: u64,
    last_step: i64,
    failures: u32,
    locked_until: u64,
    enrollments: u32,
    recovery_used_at: Option<u64>,
    reenrollment_required: u64,
}

impl TryFrom<FactorRow> for Factor {
    type Error = Error;
    fn try_from(row: FactorRow) -> Result<Self> {
        Ok(Self {
            user_id: row.user_id,
            generation: row.generation,
            status: match row.status.as_str() {
                "active" => FactorStatus::Active,
                _ => FactorStatus::Pending,
            },
            method: method(&row.method)?,
            sealed_secret: unblob(&row.sealed_secret)?,
            algorithm: algorithm(&row.algorithm)?,
            digits: digits(row.digits)?,
            period: row.period,
            last_step: u64::try_from(row.last_step).ok(),
            failures: row.failures,
            locked_until: row.locked_until,
            enrollments: row.enrollments,
            recovery_used_at: row.recovery_used_at,
            reenrollment_required: row.reenrollment_required != 0,
        })
    }
}

#[derive(Deserialize)]
struct AuditRow {
    organization_id: String,
    at: u64,
    event: String,
    user_id: Option<String>,
    detail: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        Self {
            organization_id: row.organization_id,
            at: row.at,
            event: row.event,
            user_id: row.user_id,
            detail: row.detail,
        }
    }
}

#[derive(Deserialize)]
struct Failures {
    failures: u32,
}

const USER_COLUMNS: &str =
    "id, organization_id, email, given_name, family_name, phone_number, created_at";
const ORGANIZATION_COLUMNS: &str =
    "id, account_id, environment, domain, name, email_domains, created_at";

impl Store for D1Store {
    async fn insert_account(&self, account: &Account) -> Result<bool> {
        let sql = "INSERT INTO accounts (id, domain, created_at) VALUES (?1, ?2, ?3) \
                   ON CONFLICT (domain) DO NOTHING";
        let args = [
            text(&account.id),
            text(&account.domain),
            int(account.created_at),
        ];
        Ok(self.changes(sql, &args).await? == 1)
    }

    async fn account_by_domain(&self, domain: &str) -> Result<Option<Account>> {
        let sql = "SELECT id, domain, created_at FROM accounts WHERE domain = ?1";
        let row: Option<AccountRow> = self.first(sql, &[text(domain)]).await?;
        Ok(row.map(Account::from))
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<()> {
        let sql = "INSERT INTO api_keys (client_id, account_id, environment, secret_hash, created_at) \
                   VALUES (?1, ?2, ?3, ?4, ?5)";
        let args = [
            text(&key.client_id),
            text(&key.account_id),
            text(key.environment.as_str()),
            blob(&key.secret_hash),
            int(key.created_at),
        ];
        self.changes(sql, &args).await.map(drop)
    }

    async fn api_key(&self, client_id: &str) -> Result<Option<ApiKey>> {
        let sql = "SELECT * FROM api_keys WHERE client_id = ?1";
        let row: Option<ApiKeyRow> = self.first(sql, &[text(client_id)]).await?;
        row.map(ApiKey::try_from).transpose()
    }

    async fn api_keys(&self, account_id: &str) -> Result<Vec<ApiKey>> {
        let sql = "SELECT * FROM api_keys WHERE account_id = ?1 ORDER BY created_at DESC";
        let rows: Vec<ApiKeyRow> = self.all(sql, &[text(account_id)]).await?;
        rows.into_iter().map(ApiKey::try_from).collect()
    }

    async fn revoke_api_key(&self, account_id: &str, client_id: &str, now: u64) -> Result<bool> {
        let sql = "UPDATE api_keys SET revoked_at = ?3 \
                   WHERE account_id = ?1 AND client_id = ?2 AND revoked_at IS NULL";
        Ok(self
            .changes(sql, &[text(account_id), text(client_id), int(now)])
            .await?
            == 1)
    }

    async fn insert_organization(&self, org: &Organization, c: &Connection) -> Result<bool> {
        let insert_org = self.statement(
            "INSERT INTO organizations (id, account_id, environment, domain, name, email_domains, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account_id, environment, domain) DO NOTHING",
            &[
                text(&org.id),
                text(&org.account_id),
                text(org.environment.as_str()),
                text(&org.domain),
                text(&org.name),
                text(&serde_json::to_string(&org.email_domains).map_err(Error::internal)?),
                int(org.created_at),
            ],
        )?;
        // Inserted only with its organization, in the same transaction.
        let insert_connection = self.statement(
            "INSERT INTO totp_connections (organization_id, active, method, algorithm, digits, period, skew, issuer, max_attempts, updated_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?1)",
            &connection_args(c),
        )?;
        let results = self
            .db
            .batch(vec![insert_org, insert_connection])
            .await
            .map_err(storage_error)?;
        Ok(results.first().map(changes) == Some(1))
    }

    async fn organization(&self, tenant: &Tenant, domain: &str) -> Result<Option<Organization>> {
        let sql = format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations \
             WHERE account_id = ?1 AND environment = ?2 AND domain = ?3"
        );
        let args = [
            text(&tenant.account_id),
            text(tenant.environment.as_str()),
            text(domain),
        ];
        let row: Option<OrganizationRow> = self.first(&sql, &args).await?;
        row.map(Organization::try_from).transpose()
    }

    async fn organizations(
        &self,
        tenant: &Tenant,
        page: PageRequest,
    ) -> Result<(Vec<Organization>, u64)> {
        let scope = [text(&tenant.account_id), text(tenant.environment.as_str())];
        let sql = format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE account_id = ?1 AND environment = ?2 \
             ORDER BY created_at, id LIMIT ?3 OFFSET ?4"
        );
        let [limit, offset] = page_args(page);
        let rows: Vec<OrganizationRow> = self
            .all(&sql, &[scope[0].clone(), scope[1].clone(), limit, offset])
            .await?;
        let total = self
            .count("SELECT count(*) AS count FROM organizations WHERE account_id = ?1 AND environment = ?2", &scope)
            .await?;
        Ok((
            rows.into_iter()
                .map(Organization::try_from)
                .collect::<Result<_>>()?,
            total,
        ))
    }

    async fn insert_user(&self, user: &User) -> Result<bool> {
        let sql = "INSERT INTO users (id, organization_id, email, email_key, given_name, family_name, phone_number, created_at) \
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (organization_id, email_key) DO NOTHING";
        let profile = &user.profile;
        let args = [
            text(&user.id),
            text(&user.organization_id),
            text(&profile.email),
            text(&profile.email.to_lowercase()),
            optional_text(profile.given_name.as_deref()),
            optional_text(profile.family_name.as_deref()),
            optional_text(profile.phone_number.as_deref()),
            int(user.created_at),
        ];
        Ok(self.changes(sql, &args).await? == 1)
    }

    async fn user(&self, organization_id: &str, id_or_email: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE organization_id = ?1 AND (id = ?2 OR email_key = ?3) \
             ORDER BY id = ?2 DESC LIMIT 1"
        );
        let args = [
            text(organization_id),
            text(id_or_email),
            text(&id_or_email.to_lowercase()),
        ];
        let row: Option<UserRow> = self.first(&sql, &args).await?;
        Ok(row.map(User::from))
    }

    async fn users(&self, organization_id: &str, page: PageRequest) -> Result<(Vec<User>, u64)> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE organization_id = ?1 ORDER BY created_at, id LIMIT ?2 OFFSET ?3"
        );
        let [limit, offset] = page_args(page);
        let rows: Vec<UserRow> = self
            .all(&sql, &[text(organization_id), limit, offset])
            .await?;
        let total = self
            .count(
                "SELECT count(*) AS count FROM users WHERE organization_id = ?1",
                &[text(organization_id)],
            )
            .await?;
        Ok((rows.into_iter().map(User::from).collect(), total))
    }

    async fn connection(&self, organization_id: &str) -> Result<Option<Connection>> {
        let sql = "SELECT * FROM totp_connections WHERE organization_id = ?1";
        let row: Option<ConnectionRow> = self.first(sql, &[text(organization_id)]).await?;
        row.map(Connection::try_from).transpose()
    }

    async fn update_connection(&self, c: &Connection) -> Result<()> {
        let sql = "UPDATE totp_connections SET active = ?2, method = ?3, algorithm = ?4, digits = ?5, \
                   period = ?6, skew = ?7, issuer = ?8, max_attempts = ?9, updated_at = ?10 \
                   WHERE organization_id = ?1";
        self.changes(sql, &connection_args(c)).await.map(drop)
    }

    async fn factor(&self, user_id: &str) -> Result<Option<Factor>> {
        let sql = "SELECT * FROM factors WHERE user_id = ?1";
        let row: Option<FactorRow> = self.first(sql, &[text(user_id)]).await?;
        row.map(Factor::try_from).transpose()
    }

    async fn enroll(&self, enrollment: &Enrollment) -> Result<EnrollOutcome> {
        let factor = &enrollment.factor;
        let sealed = blob(&factor.sealed_secret);
        let user = text(&factor.user_id);
        let upsert = self.statement(
            "INSERT INTO factors (user_id, generation, status, method, sealed_secret, algorithm, digits, period, key_id) \
             VALUES (?1, 1, 'pending', ?2, ?3, ?4, ?5, ?6, ?9) \
             ON CONFLICT (user_id) DO UPDATE SET \
               generation = generation + 1, status = 'pending', method = excluded.method, \
               sealed_secret = excluded.sealed_secret, key_id = excluded.key_id, algorithm = excluded.algorithm, \
               digits = excluded.digits, period = excluded.period, last_step = -1, \
               reenrollment_required = 0, recovery_claim = NULL, \
               enrollments = CASE WHEN ?7 THEN 1 ELSE enrollments + 1 END, \
               failures = CASE WHEN ?7 THEN 0 ELSE failures END, \
               locked_until = CASE WHEN ?7 THEN 0 ELSE locked_until END, \
               recovery_used_at = CASE WHEN ?7 THEN NULL ELSE recovery_used_at END \
             WHERE ?7 OR enrollments < ?8 \
             RETURNING generation",
            &[
                user.clone(),
                text(factor.method.as_str()),
                sealed.clone(),
                text(factor.algorithm.as_str()),
                int(factor.digits.count() as u64),
                int(factor.period),
                int(u64::from(enrollment.force)),
                int(u64::from(enrollment.max_enrollments)),
                text(sealed_key_id(&factor.sealed_secret).unwrap_or_default()),
            ],
        )?;
        let mut statements = vec![upsert];
        if let Some(hashes) = &enrollment.recovery_hashes {
            // Replaced only if this enrollment's secret is the one that landed.
            let ours = "EXISTS (SELECT 1 FROM factors WHERE user_id = ?1 AND sealed_secret = ?2)";
            statements.push(self.statement(
                &format!("DELETE FROM recovery_codes WHERE user_id = ?1 AND {ours}"),
                &[user.clone(), sealed.clone()],
            )?);
            for hash in hashes {
                statements.push(self.statement(
                    &format!(
                        "INSERT INTO recovery_codes (hash, user_id) SELECT ?3, ?1 WHERE {ours}"
                    ),
                    &[user.clone(), sealed.clone(), blob(hash)],
                )?);
            }
        }
        let results = self.db.batch(statements).await.map_err(storage_error)?;
        #[derive(Deserialize)]
        struct Generation {
            generation: u32,
        }
        let landed = match results.first() {
            Some(result) => result.results::<Generation>().map_err(storage_error)?,
            None => Vec::new(),
        };
        Ok(landed.first().map_or(EnrollOutcome::LimitReached, |row| {
            EnrollOutcome::Enrolled(row.generation)
        }))
    }

    async fn reserve_attempt(
        &self,
        user_id: &str,
        now: u64,
        policy: &LockoutPolicy,
    ) -> Result<Option<u32>> {
        // The lockout formula of `LockoutPolicy::locked_until`, in the same statement.
        let sql = "UPDATE factors SET failures = failures + 1, \
                     locked_until = CASE WHEN failures + 1 >= ?3 \
                       THEN ?2 + min(?4 * (1 << min(failures + 1 - ?3, 16)), ?5) \
                       ELSE locked_until END \
                   WHERE user_id = ?1 AND locked_until <= ?2 AND failures < ?6 \
                   RETURNING failures";
        let args = [
            text(user_id),
            int(now),
            int(u64::from(policy.free_attempts)),
            int(policy.base_delay),
            int(policy.max_delay),
            int(u64::from(policy.hard_limit)),
        ];
        let row: Option<Failures> = self.first(sql, &args).await?;
        Ok(row.map(|row| row.failures))
    }

    async fn accept_step(&self, user_id: &str, generation: u32, step: u64) -> Result<bool> {
        let sql = "UPDATE factors SET last_step = ?3, status = 'active', failures = 0, locked_until = 0 \
                   WHERE user_id = ?1 AND generation = ?2 AND last_step < ?3";
        let args = [text(user_id), int(u64::from(generation)), int(step)];
        Ok(self.changes(sql, &args).await? == 1)
    }

    async fn consume_recovery_code(
        &self,
        user_id: &str,
        hash: &RecoveryHash,
        now: u64,
    ) -> Result<bool> {
        // One transaction: claim the factor's daily recovery, then spend the code under that
        // claim. Two requests can never both pass the claim within the interval.
        let claim = new_id()?;
        let args = [text(user_id), blob(hash), int(now), text(&claim)];
        let claim_factor = self.statement(
            "UPDATE factors SET recovery_used_at = ?3, recovery_claim = ?4, reenrollment_required = 1, \
               failures = 0, locked_until = 0 \
             WHERE user_id = ?1 AND (recovery_used_at IS NULL OR recovery_used_at + ?5 <= ?3) \
               AND EXISTS (SELECT 1 FROM recovery_codes WHERE hash = ?2 AND user_id = ?1 AND used_at IS NULL)",
            &[args[0].clone(), args[1].clone(), args[2].clone(), args[3].clone(), int(RECOVERY_INTERVAL)],
        )?;
        let spend_code = self.statement(
            "UPDATE recovery_codes SET used_at = ?3 \
             WHERE hash = ?2 AND user_id = ?1 AND used_at IS NULL \
               AND EXISTS (SELECT 1 FROM factors WHERE user_id = ?1 AND recovery_claim = ?4)",
            &args,
        )?;
        let results = self
            .db
            .batch(vec![claim_factor, spend_code])
            .await
            .map_err(storage_error)?;
        Ok(results.get(1).map(changes) == Some(1))
    }

    async fn recovery_codes_left(&self, user_id: &str) -> Result<u32> {
        let sql =
            "SELECT count(*) AS count FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL";
        Ok(self.count(sql, &[text(user_id)]).await? as u32)
    }

    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        #[derive(Deserialize)]
        struct Sealed {
            user_id: String,
            sealed_secret: String,
        }
        let sql = "SELECT user_id, sealed_secret FROM factors WHERE key_id != ?1 LIMIT ?2";
        let rows: Vec<Sealed> = self
            .all(sql, &[text(key_id), int(u64::from(limit))])
            .await?;
        rows.into_iter()
            .map(|row| Ok((row.user_id, unblob(&row.sealed_secret)?)))
            .collect()
    }

    async fn reseal(&self, user_id: &str, old: &[u8], new: &[u8]) -> Result<bool> {
        let sql = "UPDATE factors SET sealed_secret = ?3, key_id = ?4 WHERE user_id = ?1 AND sealed_secret = ?2";
        let key_id = sealed_key_id(new).unwrap_or_default();
        Ok(self
            .changes(sql, &[text(user_id), blob(old), blob(new), text(key_id)])
            .await?
            == 1)
    }

    async fn insert_challenge(&self, challenge: &Challenge) -> Result<()> {
        let sql =
            "INSERT INTO challenges (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)";
        let args = [
            text(&challenge.id),
            text(&challenge.user_id),
            int(challenge.created_at),
            int(challenge.expires_at),
        ];
        self.changes(sql, &args).await.map(drop)
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let sql = "INSERT INTO audit_events (organization_id, at, event, user_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
        let args = [
            text(&event.organization_id),
            int(event.at),
            text(&event.event),
            optional_text(event.user_id.as_deref()),
            optional_text(event.detail.as_deref()),
        ];
        self.changes(sql, &args).await.map(drop)
    }

    async fn audit_events(
        &self,
        organization_id: &str,
        page: PageRequest,
    ) -> Result<(Vec<AuditEvent>, u64)> {
        let sql = "SELECT organization_id, at, event, user_id, detail FROM audit_events \
                   WHERE organization_id = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3";
        let [limit, offset] = page_args(page);
        let rows: Vec<AuditRow> = self
            .all(sql, &[text(organization_id), limit, offset])
            .await?;
        let total = self
            .count(
                "SELECT count(*) AS count FROM audit_events WHERE organization_id = ?1",
                &[text(organization_id)],
            )
            .await?;
        Ok((rows.into_iter().map(AuditEvent::from).collect(), total))
    }
}

fn connection_args(c: &Connection) -> [JsValue; 10] {
    [
        text(&c.organization_id),
        int(u64::from(c.active)),
        text(c.method.as_str()),
        text(c.algorithm.as_str()),
        int(c.digits.count() as u64),
        int(c.period),
        int(u64::from(c.skew)),
        text(&c.issuer),
        int(u64::from(c.max_attempts)),
        int(c.updated_at),
    ]
}
