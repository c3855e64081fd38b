//! An in-memory store with the same semantics as the D1 one, for native tests. Each method
//! completes without awaiting, so, as with one D1 statement, nothing interleaves inside it.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::domain::error::Result;
use crate::domain::keys::sealed_key_id;
use crate::domain::lockout::LockoutPolicy;
use crate::domain::model::{
    Account, ApiKey, AuditEvent, Connection, Factor, Organization, PageRequest, Tenant, User,
};
use crate::domain::store::{
    Challenge, EnrollOutcome, Enrollment, RECOVERY_INTERVAL, RecoveryHash, Store,
};

#[derive(Default)]
struct State {
    accounts: Vec<Account>,
    api_keys: Vec<ApiKey>,
    organizations: Vec<Organization>,
    users: Vec<User>,
    connections: BTreeMap<String, Connection>,
    factors: BTreeMap<String, Factor>,
    /// (user id, hash) → used.
    recovery_codes: Vec<(String, RecoveryHash, bool)>,
    challenges: Vec<Challenge>,
    audit: Vec<AuditEvent>,
}

/// The in-memory store.
#[derive(Default)]
pub struct MemoryStore {
    state: RefCell<State>,
}

fn page_of<T: Clone>(items: impl Iterator<Item = T>, page: PageRequest) -> (Vec<T>, u64) {
    let all: Vec<T> = items.collect();
    let total = all.len() as u64;
    let data = all
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.per_page as usize)
        .collect();
    (data, total)
}

impl Store for MemoryStore {
    async fn insert_account(&self, account: &Account) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        if state.accounts.iter().any(|a| a.domain == account.domain) {
            return Ok(false);
        }
        state.accounts.push(account.clone());
        Ok(true)
    }

    async fn account_by_domain(&self, domain: &str) -> Result<Option<Account>> {
        Ok(self
            .state
            .borrow()
            .accounts
            .iter()
            .find(|a| a.domain == domain)
            .cloned())
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<()> {
        self.state.borrow_mut().api_keys.push(key.clone());
        Ok(())
    }

    async fn api_key(&self, client_id: &str) -> Result<Option<ApiKey>> {
        Ok(self
            .state
            .borrow()
            .api_keys
            .iter()
            .find(|k| k.client_id == client_id)
            .cloned())
    }

    async fn api_keys(&self, account_id: &str) -> Result<Vec<ApiKey>> {
        let state = self.state.borrow();
        Ok(state
            .api_keys
            .iter()
            .rev()
            .filter(|k| k.account_id == account_id)
            .cloned()
            .collect())
    }

    async fn revoke_api_key(&self, account_id: &str, client_id: &str, now: u64) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        let key = state.api_keys.iter_mut().find(|k| {
            k.account_id == account_id && k.client_id == client_id && k.revoked_at.is_none()
        });
        Ok(key.map(|key| key.revoked_at = Some(now)).is_some())
    }

    async fn insert_organization(
        &self,
        org: &Organization,
        connection: &Connection,
    ) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        let taken = state.organizations.iter().any(|o| {
            o.account_id == org.account_id
                && o.environment == org.environment
                && o.domain == org.domain
        });
        if taken {
            return Ok(false);
        }
        state.organizations.push(org.clone());
        state.connections.insert(org.id.clone(), connection.clone());
        Ok(true)
    }

    async fn organization(&self, tenant: &Tenant, domain: &str) -> Result<Option<Organization>> {
        let state = self.state.borrow();
        Ok(state
            .organizations
            .iter()
            .find(|o| {
                o.account_id == tenant.account_id
                    && o.environment == tenant.environment
                    && o.domain == domain
            })
            .cloned())
    }

    async fn organizations(
        &self,
        tenant: &Tenant,
        page: PageRequest,
    ) -> Result<(Vec<Organization>, u64)> {
        let state = self.state.borrow();
        let mine = state
            .organizations
            .iter()
            .filter(|o| o.account_id == tenant.account_id && o.environment == tenant.environment)
            .cloned();
        Ok(page_of(mine, page))
    }

    async fn insert_user(&self, user: &User) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        let taken = state.users.iter().any(|u| {
            u.organization_id == user.organization_id
                && u.profile.email.to_lowercase() == user.profile.email.to_lowercase()
        });
        if taken {
            return Ok(false);
        }
        state.users.push(user.clone());
        Ok(true)
    }

    async fn user(&self, organization_id: &str, id_or_email: &str) -> Result<Option<User>> {
        let state = self.state.borrow();
        let in_org = |u: &&User| u.organization_id == organization_id;
        let by_id = state
            .users
            .iter()
            .filter(in_org)
            .find(|u| u.id == id_or_email);
        let by_email = || {
            state
                .users
                .iter()
                .filter(in_org)
                .find(|u| u.profile.email.to_lowercase() == id_or_email.to_lowercase())
        };
        Ok(by_id.or_else(by_email).cloned())
    }

    async fn users(&self, organization_id: &str, page: PageRequest) -> Result<(Vec<User>, u64)> {
        let state = self.state.borrow();
        let mine = state
            .users
            .iter()
            .filter(|u| u.organization_id == organization_id)
            .cloned();
        Ok(page_of(mine, page))
    }

    async fn connection(&self, organization_id: &str) -> Result<Option<Connection>> {
        Ok(self
            .state
            .borrow()
            .connections
            .get(organization_id)
            .cloned())
    }

    async fn update_connection(&self, connection: &Connection) -> Result<()> {
        let mut state = self.state.borrow_mut();
        state
            .connections
            .insert(connection.organization_id.clone(), connection.clone());
        Ok(())
    }

    async fn factor(&self, user_id: &str) -> Result<Option<Factor>> {
        Ok(self.state.borrow().factors.get(user_id).cloned())
    }

    async fn enroll(&self, enrollment: &Enrollment) -> Result<EnrollOutcome> {
        let mut state = self.state.borrow_mut();
        let new = &enrollment.factor;
        let generation = match state.factors.get_mut(&new.user_id) {
            None => {
                state.factors.insert(new.user_id.clone(), new.clone());
                new.generation
            }
            Some(old) => {
                if !enrollment.force && old.enrollments >= enrollment.max_enrollments {
                    return Ok(EnrollOutcome::LimitReached);
                }
                let kept = old.clone();
                *old = Factor {
                    generation: kept.generation + 1,
                    enrollments: if enrollment.force {
                        1
                    } else {
                        kept.enrollments + 1
                    },
                    failures: if enrollment.force { 0 } else { kept.failures },
                    locked_until: if enrollment.force {
                        0
                    } else {
                        kept.locked_until
                    },
                    recovery_used_at: if enrollment.force {
                        None
                    } else {
                        kept.recovery_used_at
                    },
                    ..new.clone()
                };
                old.generation
            }
        };
        if let Some(hashes) = &enrollment.recovery_hashes {
            state
                .recovery_codes
                .retain(|(user, _, _)| *user != new.user_id);
            for hash in hashes {
                state
                    .recovery_codes
                    .push((new.user_id.clone(), *hash, false));
            }
        }
        Ok(EnrollOutcome::Enrolled(generation))
    }

    async fn reserve_attempt(
        &self,
        user_id: &str,
        now: u64,
        policy: &LockoutPolicy,
    ) -> Result<Option<u32>> {
        let mut state = self.state.borrow_mut();
        let Some(factor) = state.factors.get_mut(user_id) else {
            return Ok(None);
        };
        if factor.locked_until > now || policy.exhausted(factor.failures) {
            return Ok(None);
        }
        factor.failures += 1;
        if let Some(until) = policy.locked_until(factor.failures, now) {
            factor.locked_until = until;
        }
        Ok(Some(factor.failures))
    }

    async fn accept_step(&self, user_id: &str, generation: u32, step: u64) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        let Some(factor) = state.factors.get_mut(user_id) else {
            return Ok(false);
        };
        if factor.generation != generation || factor.last_step.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        factor.last_step = Some(step);
        factor.status = crate::domain::model::FactorStatus::Active;
        factor.failures = 0;
        factor.locked_until = 0;
        Ok(true)
    }

    async fn consume_recovery_code(
        &self,
        user_id: &str,
        hash: &RecoveryHash,
        now: u64,
    ) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        let State {
            factors,
            recovery_codes,
            ..
        } = &mut *state;
        let Some(factor) = factors.get_mut(user_id) else {
            return Ok(false);
        };
        if factor
            .recovery_used_at
            .is_some_and(|at| at + RECOVERY_INTERVAL > now)
        {
            return Ok(false);
        }
        let Some(code) = recovery_codes
            .iter_mut()
            .find(|(user, h, used)| user == user_id && h == hash && !used)
        else {
            return Ok(false);
        };
        code.2 = true;
        factor.recovery_used_at = Some(now);
        factor.reenrollment_required = true;
        factor.failures = 0;
        factor.locked_until = 0;
        Ok(true)
    }

    async fn recovery_codes_left(&self, user_id: &str) -> Result<u32> {
        let state = self.state.borrow();
        Ok(state
            .recovery_codes
            .iter()
            .filter(|(user, _, used)| user == user_id && !used)
            .count() as u32)
    }

    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let state = self.state.borrow();
        Ok(state
            .factors
            .values()
            .filter(|f| sealed_key_id(&f.sealed_secret) != Some(key_id))
            .take(limit as usize)
            .map(|f| (f.user_id.clone(), f.sealed_secret.clone()))
            .collect())
    }

    async fn reseal(&self, user_id: &str, old: &[u8], new: &[u8]) -> Result<bool> {
        let mut state = self.state.borrow_mut();
        match state.factors.get_mut(user_id) {
            Some(factor) if factor.sealed_secret == old => {
                factor.sealed_secret = new.to_vec();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn insert_challenge(&self, challenge: &Challenge) -> Result<()> {
        self.state.borrow_mut().challenges.push(challenge.clone());
        Ok(())
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        self.state.borrow_mut().audit.push(event.clone());
        Ok(())
    }

    async fn audit_events(
        &self,
        organization_id: &str,
        page: PageRequest,
    ) -> Result<(Vec<AuditEvent>, u64)> {
        let state = self.state.borrow();
        let mine = state
            .audit
            .iter()
            .rev()
            .filter(|e| e.organization_id == organization_id)
            .cloned();
        Ok(page_of(mine, page))
    }
}
