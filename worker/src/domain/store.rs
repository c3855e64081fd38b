//! The storage the domain needs. Everything that must happen at most once is one method that
//! the implementation performs as one atomic, conditional write.

use super::error::Result;
use super::lockout::LockoutPolicy;
use super::model::{
    Account, ApiKey, AuditEvent, Connection, Factor, Organization, PageRequest, Tenant, User,
};

/// Keyed hash of a recovery code.
pub type RecoveryHash = [u8; 32];

/// A new factor and, unless kept, the hashes of its fresh recovery codes.
#[derive(Clone, Debug)]
pub struct Enrollment {
    /// The factor as enrolled now (pending, new secret).
    pub factor: Factor,
    /// New recovery codes replacing all old ones; `None` keeps the old ones.
    pub recovery_hashes: Option<Vec<RecoveryHash>>,
    /// Resets the failure count, lockout and enrollment count (human verification).
    pub force: bool,
    /// Enrollments allowed before `force` is required.
    pub max_enrollments: u32,
}

/// Why an enrollment was not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrollOutcome {
    /// Written; the factor's new generation.
    Enrolled(u32),
    /// The user has used up the enrollments allowed without `force`.
    LimitReached,
}

/// A challenge: the moment a user was asked for a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Identifier.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds after which the code it announced is no longer accepted.
    pub expires_at: u64,
}

/// The service's storage, implemented over D1 and in memory.
#[allow(async_fn_in_trait)] // Workers are single-threaded: no `Send` bound wanted.
pub trait Store {
    /// Inserts an account; `false` if its domain is taken.
    async fn insert_account(&self, account: &Account) -> Result<bool>;
    /// The account with this domain.
    async fn account_by_domain(&self, domain: &str) -> Result<Option<Account>>;
    /// Inserts an API key.
    async fn insert_api_key(&self, key: &ApiKey) -> Result<()>;
    /// The API key with this client id.
    async fn api_key(&self, client_id: &str) -> Result<Option<ApiKey>>;
    /// An account's API keys, newest first.
    async fn api_keys(&self, account_id: &str) -> Result<Vec<ApiKey>>;
    /// Revokes a key of the account; `false` if there is no such unrevoked key.
    async fn revoke_api_key(&self, account_id: &str, client_id: &str, now: u64) -> Result<bool>;

    /// Inserts an organization with its connection; `false` if its domain is taken.
    async fn insert_organization(
        &self,
        org: &Organization,
        connection: &Connection,
    ) -> Result<bool>;
    /// The tenant's organization with this domain.
    async fn organization(&self, tenant: &Tenant, domain: &str) -> Result<Option<Organization>>;
    /// A page of the tenant's organizations, oldest first, and their total.
    async fn organizations(
        &self,
        tenant: &Tenant,
        page: PageRequest,
    ) -> Result<(Vec<Organization>, u64)>;

    /// Inserts a user; `false` if the email is taken in the organization (any case).
    async fn insert_user(&self, user: &User) -> Result<bool>;
    /// The organization's user with this id, or else this email (any case).
    async fn user(&self, organization_id: &str, id_or_email: &str) -> Result<Option<User>>;
    /// A page of the organization's users, oldest first, and their total.
    async fn users(&self, organization_id: &str, page: PageRequest) -> Result<(Vec<User>, u64)>;

    /// The organization's TOTP connection.
    async fn connection(&self, organization_id: &str) -> Result<Option<Connection>>;
    /// Replaces the organization's TOTP connection.
    async fn update_connection(&self, connection: &Connection) -> Result<()>;

    /// The user's factor.
    async fn factor(&self, user_id: &str) -> Result<Option<Factor>>;
    /// Writes a new enrollment atomically (factor and recovery codes), within the limit.
    async fn enroll(&self, enrollment: &Enrollment) -> Result<EnrollOutcome>;
    /// Counts one attempt as a failure before it is checked, applying the policy's lockout in
    /// the same write; `None` if the factor is locked. A success then resets the count.
    async fn reserve_attempt(
        &self,
        user_id: &str,
        now: u64,
        policy: &LockoutPolicy,
    ) -> Result<Option<u32>>;
    /// Accepts time step `step` of factor generation `generation` if it is newer than the last
    /// accepted one: activates the factor and clears its failures. `false` if not accepted.
    async fn accept_step(&self, user_id: &str, generation: u32, step: u64) -> Result<bool>;
    /// Spends the unused recovery code with this hash if no code was used in the last
    /// [`RECOVERY_INTERVAL`] seconds: clears failures and requires re-enrollment.
    async fn consume_recovery_code(
        &self,
        user_id: &str,
        hash: &RecoveryHash,
        now: u64,
    ) -> Result<bool>;
    /// Unused recovery codes of the user.
    async fn recovery_codes_left(&self, user_id: &str) -> Result<u32>;

    /// Up to `limit` factors whose secret is sealed under another key than `key_id`, as
    /// (user id, sealed secret).
    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<(String, Vec<u8>)>>;
    /// Replaces a sealed secret if it is still `old`; `false` if it changed meanwhile.
    async fn reseal(&self, user_id: &str, old: &[u8], new: &[u8]) -> Result<bool>;

    /// Records a challenge.
    async fn insert_challenge(&self, challenge: &Challenge) -> Result<()>;

    /// Appends to an organization's audit trail.
    async fn append_audit(&self, event: &AuditEvent) -> Result<()>;
    /// A page of an organization's audit trail, newest first, and its total.
    async fn audit_events(
        &self,
        organization_id: &str,
        page: PageRequest,
    ) -> Result<(Vec<AuditEvent>, u64)>;
}

/// At most one recovery code per this many seconds.
pub const RECOVERY_INTERVAL: u64 = 24 * 60 * 60;

/// Recovery codes issued per enrollment.
pub const RECOVERY_CODES: usize = 5;
