//! Accounts, their API keys, and the OAuth client-credentials exchange.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Record, Result};
use crate::model::{Account, ApiKey, Environment, Tenant};
use crate::sql::ControlDb;
use crate::tokens::{self, TOKEN_LIFETIME, TokenClaims};
use crate::{new_id, validate};

use super::{Control, store};

/// A key as created: the only time its secret is shown.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    /// Public identifier.
    pub client_id: String,
    /// Shown once; stored as SHA-256.
    pub client_secret: String,
    /// `sandbox` or `production`.
    pub environment: Environment,
}

/// An access token as answered by `POST /oauth/token`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Token))]
pub struct AccessToken {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::bearer))]
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// What a bearer token's check needs to know of its API key: cached per isolate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyState {
    /// The owning account.
    pub account_id: String,
    /// Whether the key has been revoked.
    pub revoked: bool,
}

fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

impl<D: ControlDb> Control<'_, D> {
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
            created_at: self.now,
        };
        if !store::insert_account(self.db, &account).await? {
            return Err(Error::AccountExists);
        }
        Ok(account)
    }

    /// The account with this domain (operator).
    pub async fn account(&self, domain: &str) -> Result<Account> {
        store::account_by_domain(self.db, domain)
            .await?
            .ok_or(Error::NotFound(Record::Account))
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
            created_at: self.now,
            revoked_at: None,
        };
        store::insert_api_key(self.db, &key).await?;
        Ok(NewApiKey {
            client_id: key.client_id,
            client_secret,
            environment,
        })
    }

    /// An account's API keys, without secrets (operator).
    pub async fn api_keys(&self, domain: &str) -> Result<Vec<ApiKey>> {
        let account = self.account(domain).await?;
        store::api_keys(self.db, &account.id).await
    }

    /// Revokes an API key (operator). `/oauth/token` refuses it at once; tokens already
    /// issued stop working once caches of their key expire.
    pub async fn revoke_api_key(&self, domain: &str, client_id: &str) -> Result<()> {
        let account = self.account(domain).await?;
        if !store::revoke_api_key(self.db, &account.id, client_id, self.now).await? {
            return Err(Error::NotFound(Record::ApiKey));
        }
        Ok(())
    }

    /// The client-credentials grant, always checked against the database. The account is the
    /// key's; `domain`, optional, must name it. Every failure is the same 401, so it reveals
    /// nothing.
    pub async fn issue_token(
        &self,
        domain: Option<&str>,
        client_id: &str,
        client_secret: &str,
    ) -> Result<AccessToken> {
        let invalid = Error::InvalidClientCredentials;
        let presented = secret_hash(client_secret);
        let Some(key) = store::api_key(self.db, client_id).await? else {
            return Err(invalid);
        };
        // The key names its account; a domain, when sent, must be that account's.
        if let Some(domain) = domain {
            let account = store::account_by_domain(self.db, domain).await?;
            if account.is_none_or(|account| account.id != key.account_id) {
                return Err(invalid);
            }
        }
        let secret_matches = bool::from(presented.ct_eq(&key.secret_hash));
        if !secret_matches || key.revoked_at.is_some() {
            return Err(invalid);
        }
        let claims = TokenClaims {
            client_id: key.client_id,
            account_id: key.account_id,
            environment: key.environment,
        };
        Ok(AccessToken {
            access_token: tokens::issue(self.keys.signing_key(), claims, self.now)?,
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME,
        })
    }

    /// The claims of a bearer token whose signature and expiry hold (no database read).
    pub fn verify_token(&self, token: &str) -> Result<TokenClaims> {
        tokens::verify(self.keys.signing_key(), token, self.now)
    }
}

/// The state of an API key as stored now, for the cache of the token check.
pub async fn key_state(db: &impl ControlDb, client_id: &str) -> Result<Option<KeyState>> {
    Ok(store::api_key(db, client_id).await?.map(|key| KeyState {
        account_id: key.account_id,
        revoked: key.revoked_at.is_some(),
    }))
}

/// The tenant of verified `claims` whose key is in `state`; the same 401 otherwise.
pub fn admit(claims: &TokenClaims, state: Option<&KeyState>) -> Result<Tenant> {
    match state {
        Some(state) if !state.revoked && state.account_id == claims.account_id => {
            Ok(claims.tenant())
        }
        _ => Err(Error::InvalidAccessToken),
    }
}
