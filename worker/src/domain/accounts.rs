//! Accounts, their API keys, and the OAuth client-credentials exchange.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{Error, Result};
use super::model::{Account, ApiKey, Environment, Tenant};
use super::store::Store;
use super::tokens::{self, TOKEN_LIFETIME, TokenClaims};
use super::{Clock, Service, new_id, validate};

/// A key as created: the only time its secret is shown.
#[derive(Debug, Serialize)]
pub struct NewApiKey {
    /// Public identifier.
    pub client_id: String,
    /// The secret; stored only as its SHA-256.
    pub client_secret: String,
    /// `sandbox` or `production`.
    pub environment: Environment,
}

/// An access token as answered by `POST /oauth/token`.
#[derive(Debug, Serialize)]
pub struct AccessToken {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// What a re-seal pass did.
#[derive(Debug, Serialize)]
pub struct ResealReport {
    /// The key everything is being moved to.
    pub key_id: String,
    /// Secrets moved in this pass.
    pub resealed: u32,
    /// Whether secrets under older keys remain (run another pass).
    pub remaining: bool,
}

fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

impl<S: Store, C: Clock> Service<'_, S, C> {
    /// Creates an account (operator).
    pub async fn create_account(&self, domain: &str) -> Result<Account> {
        let domain = validate::text("domain", domain, 64)?;
        if validate::slug(&domain) != domain {
            return Err(Error::invalid(
                "domain",
                "must be lower-case letters, digits and hyphens",
            ));
        }
        let account = Account {
            id: new_id()?,
            domain,
            created_at: self.clock.now(),
        };
        if !self.store.insert_account(&account).await? {
            return Err(Error::Conflict(
                "an account with this domain already exists".into(),
            ));
        }
        Ok(account)
    }

    /// The account with this domain (operator).
    pub async fn account(&self, domain: &str) -> Result<Account> {
        self.store
            .account_by_domain(domain)
            .await?
            .ok_or(Error::NotFound("account not found"))
    }

    /// Issues an API key for an account and environment (operator).
    pub async fn create_api_key(&self, domain: &str, environment: &str) -> Result<NewApiKey> {
        let account = self.account(domain).await?;
        let environment = Environment::parse(environment)
            .ok_or_else(|| Error::invalid("environment", "must be sandbox or production"))?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(Error::internal)?;
        let client_secret = URL_SAFE_NO_PAD.encode(secret);
        let key = ApiKey {
            client_id: new_id()?,
            account_id: account.id,
            environment,
            secret_hash: secret_hash(&client_secret),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        self.store.insert_api_key(&key).await?;
        Ok(NewApiKey {
            client_id: key.client_id,
            client_secret,
            environment,
        })
    }

    /// An account's API keys, without secrets (operator).
    pub async fn api_keys(&self, domain: &str) -> Result<Vec<ApiKey>> {
        let account = self.account(domain).await?;
        self.store.api_keys(&account.id).await
    }

    /// Revokes an API key; its tokens stop working at once (operator).
    pub async fn revoke_api_key(&self, domain: &str, client_id: &str) -> Result<()> {
        let account = self.account(domain).await?;
        if !self
            .store
            .revoke_api_key(&account.id, client_id, self.clock.now())
            .await?
        {
            return Err(Error::NotFound("API key not found"));
        }
        Ok(())
    }

    /// Re-seals up to `limit` TOTP secrets still under an older key with the current one, after
    /// a key rotation (operator). Run until `remaining` is 0, then drop the old key.
    pub async fn reseal(&self, limit: u32) -> Result<ResealReport> {
        let current = self.keys.current_key_id();
        let mut resealed = 0;
        for (user_id, old) in self.store.sealed_under_other_keys(current, limit).await? {
            let secret = self.keys.open(&old, &user_id)?;
            let new = self.keys.seal(&secret, &user_id)?;
            // A concurrent enrollment may have replaced it already, under the current key.
            if self.store.reseal(&user_id, &old, &new).await? {
                resealed += 1;
            }
        }
        let remaining = self.store.sealed_under_other_keys(current, 1).await?.len() as u32;
        Ok(ResealReport {
            key_id: current.to_owned(),
            resealed,
            remaining: remaining > 0,
        })
    }

    /// The client-credentials grant. Every failure is the same 401, so it reveals nothing.
    pub async fn issue_token(
        &self,
        domain: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<AccessToken> {
        let invalid = Error::Unauthorized("invalid client credentials");
        let key = self.store.api_key(client_id).await?;
        let account = self.store.account_by_domain(domain).await?;
        let presented = secret_hash(client_secret);
        let (Some(key), Some(account)) = (key, account) else {
            return Err(invalid);
        };
        let secret_matches = bool::from(presented.ct_eq(&key.secret_hash));
        if !secret_matches || key.account_id != account.id || key.revoked_at.is_some() {
            return Err(invalid);
        }
        let claims = TokenClaims {
            client_id: key.client_id,
            account_id: account.id,
            environment: key.environment,
        };
        Ok(AccessToken {
            access_token: tokens::issue(self.keys.signing_key(), claims, self.clock.now())?,
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME,
        })
    }

    /// The tenant of a bearer token, if its signature and expiry hold and its key is not
    /// revoked (checked in D1 on every request, so revocation is immediate).
    pub async fn authenticate(&self, token: &str) -> Result<Tenant> {
        let claims = tokens::verify(self.keys.signing_key(), token, self.clock.now())?;
        let key = self.store.api_key(&claims.client_id).await?;
        match key {
            Some(key) if key.revoked_at.is_none() && key.account_id == claims.account_id => {
                Ok(claims.tenant())
            }
            _ => Err(Error::Unauthorized("invalid or expired access token")),
        }
    }
}
