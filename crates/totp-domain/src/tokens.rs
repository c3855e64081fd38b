//! Access tokens: HS256 JWTs bound to one API key, account and environment.
//!
//! jwt-compact fixes the algorithm at verification, so a token cannot switch to `none` or to
//! another algorithm.

use chrono::{DateTime, TimeDelta, Utc};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Environment, Tenant};

/// Lifetime of an access token.
pub const TOKEN_LIFETIME: u64 = 15 * 60;

/// What a token says about its bearer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The API key's client id.
    #[serde(rename = "sub")]
    pub client_id: String,
    /// The account id.
    #[serde(rename = "acc")]
    pub account_id: String,
    /// `sandbox` or `production`.
    #[serde(rename = "env")]
    pub environment: Environment,
}

impl TokenClaims {
    /// The tenant the token reaches.
    pub fn tenant(&self) -> Tenant {
        Tenant {
            account_id: self.account_id.clone(),
            environment: self.environment,
        }
    }
}

fn time_options(now: u64) -> TimeOptions<impl Fn() -> DateTime<Utc>> {
    let now = DateTime::from_timestamp(i64::try_from(now).unwrap_or(i64::MAX), 0)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    TimeOptions::new(TimeDelta::seconds(5), move || now)
}

/// Signs a token for `claims`, valid for [`TOKEN_LIFETIME`] from `now`.
pub fn issue(key: &[u8], claims: TokenClaims, now: u64) -> Result<String> {
    let options = time_options(now);
    let lifetime = TimeDelta::seconds(TOKEN_LIFETIME as i64);
    let claims = Claims::new(claims).set_duration_and_issuance(&options, lifetime);
    Hs256
        .token(
            &Header::empty().with_token_type("JWT"),
            &claims,
            &Hs256Key::new(key),
        )
        .map_err(Error::internal)
}

/// Verifies signature and expiry; any failure is the same 401, whatever its cause.
pub fn verify(key: &[u8], token: &str, now: u64) -> Result<TokenClaims> {
    let unauthorized = || Error::InvalidAccessToken;
    let untrusted = UntrustedToken::new(token).map_err(|_| unauthorized())?;
    let key = Hs256Key::new(key);
    let token = Hs256
        .validator::<TokenClaims>(&key)
        .validate(&untrusted)
        .map_err(|_| unauthorized())?;
    let claims = token.claims();
    claims
        .validate_expiration(&time_options(now))
        .map_err(|_| unauthorized())?;
    Ok(claims.custom.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> TokenClaims {
        TokenClaims {
            client_id: "c".into(),
            account_id: "a".into(),
            environment: Environment::Sandbox,
        }
    }

    #[test]
    fn tokens_verify_until_they_expire() {
        let token = issue(b"k".repeat(32).as_slice(), claims(), 1_000).unwrap();
        let key = b"k".repeat(32);
        assert_eq!(verify(&key, &token, 1_000).unwrap(), claims());
        assert_eq!(
            verify(&key, &token, 1_000 + TOKEN_LIFETIME).unwrap(),
            claims()
        );
        assert!(verify(&key, &token, 1_000 + TOKEN_LIFETIME + 10).is_err());
    }

    #[test]
    fn tokens_live_fifteen_minutes() {
        let key = b"k".repeat(32);
        let token = issue(&key, claims(), 1_000).unwrap();
        assert!(verify(&key, &token, 1_000 + 900).is_ok());
        assert!(verify(&key, &token, 1_000 + 900 + 6).is_err());
    }

    #[test]
    fn forged_and_foreign_tokens_are_refused() {
        let key = b"k".repeat(32);
        let token = issue(&key, claims(), 1_000).unwrap();
        assert!(verify(&b"x".repeat(32), &token, 1_000).is_err());
        let (head, _) = token.rsplit_once('.').unwrap();
        assert!(verify(&key, &format!("{head}."), 1_000).is_err());
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjIiwiYWNjIjoiYSIsImVudiI6InNhbmRib3gifQ.";
        assert!(verify(&key, none, 1_000).is_err());
        assert!(verify(&key, "garbage", 1_000).is_err());
    }
}
