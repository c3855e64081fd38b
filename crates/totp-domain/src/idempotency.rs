//! Idempotent creating requests (`Idempotency-Key`), as payment APIs do them: the first request
//! with a key runs and its answer is kept for 24 hours, scoped to the API key (client id) and
//! route; a retry with the same body gets that answer without running again; the same key with
//! another body is refused; a retry while the first still runs gets 409. Only answers of
//! requests that succeeded are kept, so a failed request can be retried with its key.
//! Validations never take a key: a kept "success" replayed would let one code succeed twice.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Error, Result};

mod kept;

pub use kept::{check_fingerprint, expired_before, expires_in, replay, seal};

/// The request header, as named in errors.
pub const HEADER: &str = "Idempotency-Key";

/// How long an answer is kept, in seconds.
pub const RETENTION: u64 = 24 * 60 * 60;

/// A creating request that carries a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentRequest {
    /// The client's key: 1 to 255 visible ASCII characters.
    pub key: String,
    /// Method and path: a key is scoped to its route.
    pub route: String,
    /// A digest of the request's fields: a retry must send the same ones.
    pub fingerprint: String,
    /// The API key that sent it: another key never sees its answer.
    pub client_id: String,
}

impl IdempotentRequest {
    /// Checks the key's shape (a 422 naming the header otherwise).
    pub fn new(key: &str, route: String, fingerprint: String, client_id: String) -> Result<Self> {
        let valid = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(Error::invalid(
                HEADER,
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            route,
            fingerprint,
            client_id,
        })
    }

    /// What an answer is sealed for: its API key, key and route.
    pub fn scope(&self) -> String {
        format!("{}\0{}\0{}", self.client_id, self.key, self.route)
    }
}

/// An answer to keep or replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Json,
}

/// An answer, and whether it is a replay of a kept one.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    /// What to answer.
    pub answer: Answer,
    /// Served from the record, without running again.
    pub replayed: bool,
}

/// The digest of a request's fields, as parsed (so the same fields sent as JSON or as a form
/// are the same request): SHA-256 of their canonical JSON (keys in order), in base64.
pub fn fingerprint(fields: &Json) -> String {
    use base64::Engine;
    use sha2::Digest;
    let canonical = serde_json::to_vec(fields).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&canonical))
}

/// The error for a key reused with another body.
pub fn mismatch() -> Error {
    Error::invalid(
        HEADER,
        "was already used with a different request; use a new key for a new request",
    )
}

/// The error for a route that checks a code.
pub fn refused_here() -> Error {
    Error::invalid(
        HEADER,
        "is not accepted on validations: a replayed success would let one code succeed twice",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        let request =
            |key: &str| IdempotentRequest::new(key, "POST /x".into(), "f".into(), "c1".into());
        for bad in ["", " ", "a b", "é", &"k".repeat(256), "a\nb"] {
            match request(bad) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, HEADER),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(request(&"k".repeat(255)).is_ok());
        assert_eq!(
            request("8e0f-a1").unwrap().scope(),
            "c1\08e0f-a1\0POST /x".to_owned()
        );
    }

    #[test]
    fn the_fingerprint_ignores_field_order_and_sees_every_value() {
        let a = serde_json::json!({"user_id": "u", "force_enroll": true});
        let b: Json = serde_json::from_str(r#"{"force_enroll":true,"user_id":"u"}"#).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = serde_json::json!({"user_id": "u", "force_enroll": false});
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_eq!(fingerprint(&a).len(), 44);
    }

    #[test]
    fn the_retention_is_a_day() {
        assert_eq!(RETENTION, 86_400);
    }
}
