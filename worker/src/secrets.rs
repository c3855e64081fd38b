//! The Worker's secrets, read where they are needed: by the fetch entry and by each
//! organization's object.

use std::cell::OnceCell;
use std::rc::Rc;

use totp_domain::error::{Error, Result};
use totp_domain::keys::{KeyConfig, Keys};
use worker::Env;

thread_local! {
    // An isolate runs one version of the Worker with one set of secrets (changing a secret
    // deploys a new version): its keys are derived once, not on every request.
    static KEYS: OnceCell<Rc<Keys>> = const { OnceCell::new() };
}

/// The Worker's keys, derived once per isolate (a failure is not kept: the next call tries
/// again).
pub fn isolate_keys(env: &Env) -> Result<Rc<Keys>> {
    if let Some(keys) = KEYS.with(|cell| cell.get().cloned()) {
        return Ok(keys);
    }
    let keys = Rc::new(keys(env)?);
    KEYS.with(|cell| cell.get_or_init(|| Rc::clone(&keys)).clone());
    Ok(keys)
}

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
