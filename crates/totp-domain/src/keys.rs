//! The service's own keys, from Worker secrets: sealing TOTP secrets (AES-256-GCM), signing
//! access tokens (HS256) and hashing recovery codes (HMAC-SHA-256).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otp_core::Secret;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const NONCE_LEN: usize = 12;

/// A sealing key with the id stored beside each ciphertext, so keys can be rotated.
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

/// All keys of the service.
pub struct Keys {
    /// The first key seals; every key opens what it sealed.
    sealing: Vec<SealingKey>,
    signing: Zeroizing<Vec<u8>>,
    recovery: Zeroizing<Vec<u8>>,
}

impl Keys {
    /// Keys from their configured text:
    /// - `sealing`: `id:base64,id:base64…` of 32-byte keys, the current one first;
    /// - `signing` and `recovery`: base64 of at least 32 bytes each.
    pub fn from_config(sealing: &str, signing: &str, recovery: &str) -> Result<Self> {
        let sealing = sealing
            .split(',')
            .map(|entry| {
                let (id, key) = entry.trim().split_once(':').ok_or_else(|| {
                    Error::internal("SECRET_SEALING_KEYS entries must be id:base64")
                })?;
                let key = decode_key(key, "SECRET_SEALING_KEYS")?;
                let cipher = Aes256Gcm::new_from_slice(&key)
                    .map_err(|_| Error::internal("SECRET_SEALING_KEYS keys must be 32 bytes"))?;
                if id.is_empty() || id.len() > 32 {
                    return Err(Error::internal(
                        "SECRET_SEALING_KEYS ids must be 1-32 bytes",
                    ));
                }
                Ok(SealingKey {
                    id: id.to_owned(),
                    cipher,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            sealing,
            signing: decode_key(signing, "TOKEN_SIGNING_KEY")?,
            recovery: decode_key(recovery, "RECOVERY_HASH_KEY")?,
        })
    }

    /// Encrypts a TOTP secret bound to its user: `id length, id, nonce, ciphertext and tag`.
    pub fn seal(&self, secret: &Secret, user_id: &str) -> Result<Vec<u8>> {
        self.seal_bytes(secret.as_bytes(), user_id.as_bytes())
    }

    /// Decrypts what [`Keys::seal`] wrote for this user, with whichever key sealed it.
    pub fn open(&self, sealed: &[u8], user_id: &str) -> Result<Secret> {
        let plain = self.open_bytes(sealed, user_id.as_bytes())?;
        Secret::from_bytes(&plain).map_err(|_| corrupt())
    }

    /// Encrypts a user's profile (personal data), bound to the user under its own label so it
    /// can never pass for a TOTP secret.
    pub fn seal_profile(&self, profile: &[u8], user_id: &str) -> Result<Vec<u8>> {
        self.seal_bytes(profile, &labelled("profile", user_id))
    }

    /// Decrypts what [`Keys::seal_profile`] wrote for this user.
    pub fn open_profile(&self, sealed: &[u8], user_id: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.open_bytes(sealed, &labelled("profile", user_id))
    }

    /// Encrypts an answer kept for an idempotent retry (it may hold a new TOTP secret), bound
    /// to its idempotency key and route.
    pub fn seal_answer(&self, answer: &[u8], scope: &str) -> Result<Vec<u8>> {
        self.seal_bytes(answer, &labelled("answer", scope))
    }

    /// Decrypts what [`Keys::seal_answer`] wrote for this scope.
    pub fn open_answer(&self, sealed: &[u8], scope: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.open_bytes(sealed, &labelled("answer", scope))
    }

    /// The key under which a user's email is unique and found: HMAC-SHA-256 of the address
    /// with ASCII letters lower-cased, so the address itself is never stored in clear.
    pub fn email_key(&self, email: &str) -> [u8; 32] {
        self.keyed_hash(&["email", &email.to_ascii_lowercase()])
    }

    fn seal_bytes(&self, msg: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let key = self
            .sealing
            .first()
            .ok_or_else(|| Error::internal("no sealing key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(Error::internal)?;
        let payload = Payload { msg, aad };
        let ciphertext = key
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| Error::internal("sealing failed"))?;
        let mut sealed = Vec::with_capacity(1 + key.id.len() + NONCE_LEN + ciphertext.len());
        sealed.push(key.id.len() as u8);
        sealed.extend_from_slice(key.id.as_bytes());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    fn open_bytes(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let (&id_len, rest) = sealed.split_first().ok_or_else(corrupt)?;
        let (id, rest) = rest
            .split_at_checked(usize::from(id_len))
            .ok_or_else(corrupt)?;
        let (nonce, ciphertext) = rest.split_at_checked(NONCE_LEN).ok_or_else(corrupt)?;
        let nonce = Nonce::try_from(nonce).map_err(|_| corrupt())?;
        let key = self
            .sealing
            .iter()
            .find(|key| key.id.as_bytes() == id)
            .ok_or_else(corrupt)?;
        let payload = Payload {
            msg: ciphertext,
            aad,
        };
        Ok(Zeroizing::new(
            key.cipher.decrypt(&nonce, payload).map_err(|_| corrupt())?,
        ))
    }

    /// The id of the key that seals now.
    pub fn current_key_id(&self) -> &str {
        self.sealing.first().map_or("", |key| key.id.as_str())
    }

    /// The HS256 key of access tokens.
    pub fn signing_key(&self) -> &[u8] {
        &self.signing
    }

    /// The stored hash of a recovery code, or `None` if the input is not shaped like one.
    pub fn recovery_hash(&self, code: &str) -> Option<[u8; 32]> {
        otp_core::recovery::hash(&self.recovery, code)
    }

    /// The stored hash of an SMS code, bound to its challenge so a hash says nothing of
    /// another challenge's code: HMAC-SHA-256 under the recovery key, with its own prefix.
    pub fn sms_code_hash(&self, challenge_id: &str, code: &str) -> [u8; 32] {
        self.keyed_hash(&["sms-code", challenge_id, code.trim()])
    }

    /// HMAC-SHA-256 under the recovery key of `parts`, each ended by a NUL, the first naming
    /// the purpose so no two purposes share a hash.
    #[allow(clippy::expect_used)] // HMAC accepts keys of every length (RFC 2104, section 2).
    fn keyed_hash(&self, parts: &[&str]) -> [u8; 32] {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.recovery)
            .expect("HMAC accepts any key");
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac.finalize().into_bytes().into()
    }
}

fn corrupt() -> Error {
    Error::internal("sealed value is corrupt or under an unknown key")
}

/// Associated data naming what a sealed value is and whose: `label NUL id`.
fn labelled(label: &str, id: &str) -> Vec<u8> {
    [label.as_bytes(), b"\0", id.as_bytes()].concat()
}

/// The id of the key that sealed `sealed`, as written by [`Keys::seal`].
pub fn sealed_key_id(sealed: &[u8]) -> Option<&str> {
    let (&id_len, rest) = sealed.split_first()?;
    std::str::from_utf8(rest.get(..usize::from(id_len))?).ok()
}

fn decode_key(text: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new(
        STANDARD
            .decode(text.trim())
            .map_err(|_| Error::internal(format!("{name} is not base64")))?,
    );
    if key.len() < 32 {
        return Err(Error::internal(format!(
            "{name} must hold at least 32 bytes"
        )));
    }
    Ok(key)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Keys for tests: fixed, so failures reproduce.
    pub(crate) fn keys() -> Keys {
        let key = |byte: u8| STANDARD.encode([byte; 32]);
        let sealing = format!("k2:{},k1:{}", key(2), key(1));
        Keys::from_config(&sealing, &key(3), &key(4)).unwrap()
    }

    #[test]
    fn sealed_secrets_open_only_for_their_user() {
        let keys = keys();
        let secret = Secret::generate().unwrap();
        let sealed = keys.seal(&secret, "user-1").unwrap();
        assert_eq!(keys.open(&sealed, "user-1").unwrap(), secret);
        assert!(keys.open(&sealed, "user-2").is_err());
        assert!(!sealed.windows(20).any(|w| w == secret.as_bytes()));
    }

    #[test]
    fn old_keys_still_open_after_rotation() {
        let key = |byte: u8| STANDARD.encode([byte; 32]);
        let old = Keys::from_config(&format!("k1:{}", key(1)), &key(3), &key(4)).unwrap();
        let secret = Secret::generate().unwrap();
        let sealed = old.seal(&secret, "u").unwrap();
        let rotated = keys();
        assert_eq!(rotated.open(&sealed, "u").unwrap(), secret);
        assert_eq!(&rotated.seal(&secret, "u").unwrap()[..3], b"\x02k2");
        assert_eq!(sealed_key_id(&sealed), Some("k1"));
        assert_eq!(rotated.current_key_id(), "k2");
    }

    #[test]
    fn tampering_is_detected() {
        let keys = keys();
        let mut sealed = keys.seal(&Secret::generate().unwrap(), "u").unwrap();
        *sealed.last_mut().unwrap() ^= 1;
        assert!(keys.open(&sealed, "u").is_err());
        assert!(keys.open(&[], "u").is_err());
    }

    #[test]
    fn a_profile_opens_only_as_its_users_profile() {
        let keys = keys();
        let sealed = keys.seal_profile(b"{\"email\":\"a@b.co\"}", "u1").unwrap();
        assert_eq!(
            keys.open_profile(&sealed, "u1").unwrap().as_slice(),
            b"{\"email\":\"a@b.co\"}"
        );
        assert!(
            keys.open_profile(&sealed, "u2").is_err(),
            "bound to its user"
        );
        assert!(keys.open(&sealed, "u1").is_err(), "never a TOTP secret");
        let secret = keys.seal(&Secret::generate().unwrap(), "u1").unwrap();
        assert!(
            keys.open_profile(&secret, "u1").is_err(),
            "nor a secret a profile"
        );
    }

    #[test]
    fn email_keys_ignore_ascii_case_only_and_depend_on_the_key() {
        let keys = keys();
        assert_eq!(
            keys.email_key("Kate@Acme.test"),
            keys.email_key("kate@acme.TEST")
        );
        assert_ne!(
            keys.email_key("\u{212A}ate@acme.test"),
            keys.email_key("kate@acme.test")
        );
        assert_ne!(
            keys.email_key("kate@acme.test"),
            keys.sms_code_hash("kate@acme.test", "")
        );
    }

    #[test]
    fn key_ids_and_lengths_are_checked() {
        let key = |byte: u8, len: usize| STANDARD.encode(vec![byte; len]);
        let with_id =
            |id: &str| Keys::from_config(&format!("{id}:{}", key(1, 32)), &key(3, 32), &key(4, 32));
        assert!(with_id("").is_err());
        assert!(with_id(&"k".repeat(33)).is_err());
        assert_eq!(
            with_id(&"k".repeat(32)).unwrap().current_key_id(),
            "k".repeat(32)
        );
        let sealing = format!("k1:{}", key(1, 32));
        assert!(Keys::from_config(&sealing, &key(3, 31), &key(4, 32)).is_err());
        assert!(Keys::from_config(&sealing, &key(3, 32), &key(4, 31)).is_err());
        assert!(Keys::from_config(&sealing, &key(3, 64), &key(4, 32)).is_ok());
    }

    #[test]
    fn the_signing_key_is_the_configured_one() {
        assert_eq!(keys().signing_key(), [3u8; 32]);
    }

    #[test]
    fn configuration_errors_never_echo_key_material() {
        let error = Keys::from_config("nocolon", "x", "y").err().unwrap();
        assert!(!format!("{error:?}").contains("nocolon"));
        assert!(
            Keys::from_config(
                "k1:c2hvcnQ=",
                &STANDARD.encode([0; 32]),
                &STANDARD.encode([0; 32])
            )
            .is_err()
        );
    }
}
