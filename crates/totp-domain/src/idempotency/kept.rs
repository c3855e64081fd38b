//! Kept answers, the same in both stores (the control plane's D1 and each organization's
//! SQLite): sealed for storage, checked and opened for a retry, and forgotten once
//! [`RETENTION`] has passed. The stores keep only their SQL and their transactions.

use crate::error::{Error, Result};
use crate::keys::Keys;
use crate::sql::unblob;

use super::{Answer, IdempotentRequest, Outcome, RETENTION, mismatch};

/// Answers kept before this second have expired at `now`.
pub fn expired_before(now: u64) -> u64 {
    now.saturating_sub(RETENTION)
}

/// Seconds from `now` until an answer kept at `kept_at` has expired.
pub fn expires_in(kept_at: u64, now: u64) -> u64 {
    (kept_at + RETENTION + 1).saturating_sub(now)
}

/// The answer sealed for storage, bound to `request`'s scope: it may hold a new secret.
pub fn seal(keys: &Keys, request: &IdempotentRequest, answer: &Answer) -> Result<Vec<u8>> {
    let json = zeroize::Zeroizing::new(serde_json::to_vec(answer).map_err(Error::internal)?);
    keys.seal_answer(&json, &request.scope())
}

/// Refuses a retry whose fields differ from those the key was first used with.
pub fn check_fingerprint(request: &IdempotentRequest, kept_fingerprint: &str) -> Result<()> {
    if kept_fingerprint != request.fingerprint {
        return Err(mismatch());
    }
    Ok(())
}

/// The replay of a kept answer, `sealed` as stored (base64).
pub fn replay(keys: &Keys, request: &IdempotentRequest, sealed: &str) -> Result<Outcome> {
    let json = keys.open_answer(&unblob(sealed)?, &request.scope())?;
    Ok(Outcome {
        answer: serde_json::from_slice(&json).map_err(Error::internal)?,
        replayed: true,
    })
}

impl Outcome {
    /// The answer of a request that ran.
    pub fn fresh(answer: Answer) -> Self {
        Self {
            answer,
            replayed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::tests::keys;

    fn request(client: &str, fingerprint: &str) -> IdempotentRequest {
        IdempotentRequest::new("k", "POST /x".into(), fingerprint.into(), client.into()).unwrap()
    }

    #[test]
    fn a_sealed_answer_replays_for_its_scope_only() {
        let keys = keys();
        let answer = Answer {
            status: 201,
            body: serde_json::json!({"secret": "JBSWY3DPEHPK3PXP"}),
        };
        let sealed = seal(&keys, &request("c1", "f"), &answer).unwrap();
        let stored = crate::sql::blob(&sealed);
        let crate::sql::Value::Text(stored) = stored else {
            panic!("blobs are text")
        };
        let replayed = replay(&keys, &request("c1", "f"), &stored).unwrap();
        assert_eq!(
            replayed,
            Outcome {
                answer,
                replayed: true
            }
        );
        assert!(replay(&keys, &request("c2", "f"), &stored).is_err());
    }

    #[test]
    fn another_body_is_refused_naming_the_header() {
        assert!(check_fingerprint(&request("c1", "f"), "f").is_ok());
        match check_fingerprint(&request("c1", "f"), "g") {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, super::super::HEADER),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_answer_expires_the_second_after_its_retention() {
        let kept_at = 1_000;
        let now = kept_at + 10;
        assert_eq!(expires_in(kept_at, now), RETENTION - 9);
        let expiry = now + expires_in(kept_at, now);
        // `forget … before` deletes rows kept strictly before the cutoff.
        assert!(kept_at >= expired_before(expiry - 1));
        assert!(kept_at < expired_before(expiry));
        assert_eq!(expired_before(5), 0);
    }
}
