//! The Worker's secrets, read where they are needed: by the fetch entry and by each
//! organization's object.

use totp_domain::error::{Error, Result};
use totp_domain::keys::{KeyConfig, Keys};
use worker::Env;

/// The Worker's keys, from its secrets.
pub fn keys(env: &Env) -> Result<Keys> {
    let secret = |name: &str| {
        env.secret(name)
            .map(|value| value.to_string())
            .map_err(|_| Error::internal(format!("the Worker secret {name} is not set")))
    };
    Keys::from_config(KeyConfig {
        sealing: &secret("SECRET_SEALING_KEYS")?,
        signing: &secret("TOKEN_SIGNING_KEY")?,
        recovery: &secret("RECOVERY_HASH_KEY")?,
        email_lookup: &secret("EMAIL_LOOKUP_KEYS")?,
    })
}
