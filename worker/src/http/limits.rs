//! Rate limits on the routes anyone can call, with Cloudflare's Workers Rate Limiting binding
//! (declared per environment in wrangler.toml; Miniflare runs it locally). The token endpoint
//! is the one unauthenticated route that reaches D1, which serves every tenant: it is limited
//! per client address before the body is read, then per client id before D1 is asked.

use worker::{Env, Request};

use super::{HttpError, Result};

/// A limit, by the binding that counts it.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// `POST /oauth/token` per client address.
    TokenByAddress,
    /// `POST /oauth/token` per client id.
    TokenByClient,
}

impl Limit {
    fn binding(self) -> &'static str {
        match self {
            Self::TokenByAddress => "TOKEN_BY_ADDRESS",
            Self::TokenByClient => "TOKEN_BY_CLIENT",
        }
    }

    /// The binding's period in wrangler.toml: the longest a refused client waits.
    fn period(self) -> u64 {
        match self {
            Self::TokenByAddress | Self::TokenByClient => 60,
        }
    }
}

/// Counts one request under `key`; a 429 with `Retry-After` once the limit is reached.
pub async fn admit(env: &Env, limit: Limit, key: &str) -> Result<()> {
    let limiter = env
        .rate_limiter(limit.binding())
        .map_err(|_| HttpError::internal(format!("the {} binding is missing", limit.binding())))?;
    let outcome = limiter
        .limit(key.to_owned())
        .await
        .map_err(HttpError::internal)?;
    if outcome.success {
        Ok(())
    } else {
        Err(HttpError::RateLimited(limit.period()))
    }
}

/// The address Cloudflare saw the request come from (`CF-Connecting-IP`, which clients cannot
/// set through Cloudflare); one shared key where there is none (local runs).
pub fn client_address(request: &Request) -> String {
    request
        .headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}
