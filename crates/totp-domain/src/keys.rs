//! The service's own keys, from Worker secrets, one per purpose: sealing TOTP secrets, profiles
//! and kept answers (AES-256-GCM, `SECRET_SEALING_KEYS`), signing access tokens (HS256,
//! `TOKEN_SIGNING_KEY`), hashing recovery codes (HMAC-SHA-256, `RECOVERY_HASH_KEY`), hashing SMS
//! codes (HMAC-SHA-256 under a key derived from `RECOVERY_HASH_KEY` by HKDF, labelled for that
//! use), and finding users by email (HMAC-SHA-256, `EMAIL_LOOKUP_KEYS`). Each rotates on its
//! own: rotating the recovery key never loses a user's email.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otp_core::Secret;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const NONCE_LEN: usize = 12;

/// The HKDF label of the SMS-code key.
const SMS_CODE_LABEL: &[u8] = b"headless-totp sms-code v1";

/// The HKDF label of the device-token key.
const DEVICE_TOKEN_LABEL: &[u8] = b"headless-totp device-token v1";

/// A sealing key with the id stored beside each ciphertext, so keys can be rotated.
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

/// An email lookup key with the id stored beside each hash, so keys can be rotated.
struct LookupKey {
    id: String,
    key: Zeroizing<Vec<u8>>,
}

/// The Worker secrets the keys come from, as configured.
#[derive(Clone, Copy, Debug)]
pub struct KeyConfig<'a> {
    /// `SECRET_SEALING_KEYS`: `id:base64,…` of 32-byte keys, the current one first.
    pub sealing: &'a str,
    /// `TOKEN_SIGNING_KEY`: base64 of at least 32 bytes.
    pub signing: &'a str,
    /// `RECOVERY_HASH_KEY`: base64 of at least 32 bytes.
    pub recovery: &'a str,
    /// `EMAIL_LOOKUP_KEYS`: `id:base64,…` of keys of at least 32 bytes, the current one first.
    pub email_lookup: &'a str,
}

/// All keys of the service.
pub struct Keys {
    /// The first key seals; every key opens what it sealed.
    sealing: Vec<SealingKey>,
    signing: Zeroizing<Vec<u8>>,
    recovery: Zeroizing<Vec<u8>>,
    sms: Zeroizing<[u8; 32]>,
    device: Zeroizing<[u8; 32]>,
    /// The first key hashes new emails; every key finds what it hashed.
    email: Vec<LookupKey>,
}

impl Keys {
    /// Keys from their configured text; a malformed value, a short key or a key id given twice
    /// is refused, naming the secret but never its value.
    pub fn from_config(config: KeyConfig<'_>) -> Result<Self> {
        let sealing = key_list(config.sealing, "SECRET_SEALING_KEYS")?
            .into_iter()
            .map(|(id, key)| {
                let cipher = Aes256Gcm::new_from_slice(&key)
                    .map_err(|_| Error::internal("SECRET_SEALING_KEYS keys must be 32 bytes"))?;
                Ok(SealingKey { id, cipher })
            })
            .collect::<Result<Vec<_>>>()?;
        let email = key_list(config.email_lookup, "EMAIL_LOOKUP_KEYS")?
            .into_iter()
            .map(|(id, key)| LookupKey { id, key })
            .collect();
        let recovery = decode_key(config.recovery, "RECOVERY_HASH_KEY")?;
        let derive = |label: &[u8]| -> Result<Zeroizing<[u8; 32]>> {
            let mut key = Zeroizing::new([0u8; 32]);
            hkdf::Hkdf::<sha2::Sha256>::new(None, &recovery)
                .expand(label, key.as_mut())
                .map_err(|_| Error::internal("HKDF refused a 32-byte key"))?;
            Ok(key)
        };
        Ok(Self {
            sealing,
            signing: decode_key(config.signing, "TOKEN_SIGNING_KEY")?,
            sms: derive(SMS_CODE_LABEL)?,
            device: derive(DEVICE_TOKEN_LABEL)?,
            recovery,
            email,
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

    /// Encrypts a webhook endpoint's signing secret, bound to the endpoint.
    pub fn seal_webhook_secret(&self, secret: &[u8], endpoint_id: &str) -> Result<Vec<u8>> {
        self.seal_bytes(secret, &labelled("webhook-secret", endpoint_id))
    }

    /// Decrypts what [`Keys::seal_webhook_secret`] wrote for this endpoint.
    pub fn open_webhook_secret(
        &self,
        sealed: &[u8],
        endpoint_id: &str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.open_bytes(sealed, &labelled("webhook-secret", endpoint_id))
    }

    /// Decrypts what [`Keys::seal_answer`] wrote for this scope.
    pub fn open_answer(&self, sealed: &[u8], scope: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.open_bytes(sealed, &labelled("answer", scope))
    }

    /// The hash under which a user's email is unique and found, under the current lookup key:
    /// HMAC-SHA-256 of the address with ASCII letters lower-cased, so the address itself is never
    /// stored in clear.
    pub fn email_key(&self, email: &str) -> [u8; 32] {
        self.email
            .first()
            .map_or([0; 32], |key| email_hash(&key.key, email))
    }

    /// The email's hash under every lookup key, the current one first: during a rotation a
    /// user is found (and an address is taken) under any of them.
    pub fn email_keys(&self, email: &str) -> Vec<[u8; 32]> {
        self.email
            .iter()
            .map(|key| email_hash(&key.key, email))
            .collect()
    }

    /// The id of the lookup key that hashes new emails.
    pub fn current_email_key_id(&self) -> &str {
        self.email.first().map_or("", |key| key.id.as_str())
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
    /// another challenge's code: HMAC-SHA-256 under the SMS-code key.
    pub fn sms_code_hash(&self, challenge_id: &str, code: &str) -> [u8; 32] {
        keyed_hash(self.sms.as_ref(), &["sms-code", challenge_id, code.trim()])
    }

    /// The stored hash of a trusted device's token, bound to its user so a token never
    /// verifies for another: HMAC-SHA-256 under the device-token key.
    pub fn device_token_hash(&self, user_id: &str, token: &str) -> [u8; 32] {
        keyed_hash(self.device.as_ref(), &["device-token", user_id, token])
    }
}

/// HMAC-SHA-256 under `key` of `parts`, each ended by a NUL, the first naming the purpose.
#[allow(clippy::expect_used)] // HMAC accepts keys of every length (RFC 2104, section 2).
fn keyed_hash(key: &[u8], parts: &[&str]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key");
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    mac.finalize().into_bytes().into()
}

/// An email's lookup hash: the construction of schema version 4, when the recovery key keyed
/// it, so that key given as a lookup key finds the users hashed then.
fn email_hash(key: &[u8], email: &str) -> [u8; 32] {
    keyed_hash(key, &["email", &email.to_ascii_lowercase()])
}

/// `id:base64,id:base64…`: ids of 1 to 32 bytes, each once; keys of at least 32 bytes.
fn key_list(text: &str, name: &str) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
    let mut keys: Vec<(String, Zeroizing<Vec<u8>>)> = Vec::new();
    for entry in text.split(',') {
        let (id, key) = entry
            .trim()
            .split_once(':')
            .ok_or_else(|| Error::internal(format!("{name} entries must be id:base64")))?;
        if id.is_empty() || id.len() > 32 {
            return Err(Error::internal(format!("{name} ids must be 1-32 bytes")));
        }
        if keys.iter().any(|(seen, _)| seen == id) {
            return Err(Error::internal(format!(
                "{name} names the key id {id:?} twice; each key needs its own id"
            )));
        }
        keys.push((id.to_owned(), decode_key(key, name)?));
    }
    Ok(keys)
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

    /// Keys from the sealing, signing and recovery values, with one email lookup key.
    pub(crate) fn config(sealing: &str, signing: &str, recovery: &str) -> Result<Keys> {
        let email_lookup = format!("e1:{}", STANDARD.encode([5u8; 32]));
        Keys::from_config(KeyConfig {
            sealing,
            signing,
            recovery,
            email_lookup: &email_lookup,
        })
    }

    /// Keys for tests: fixed, so failures reproduce.
    pub(crate) fn keys() -> Keys {
        let key = |byte: u8| STANDARD.encode([byte; 32]);
        let sealing = format!("k2:{},k1:{}", key(2), key(1));
        config(&sealing, &key(3), &key(4)).unwrap()
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
        let old = config(&format!("k1:{}", key(1)), &key(3), &key(4)).unwrap();
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
        let with_id = |id: &str| config(&format!("{id}:{}", key(1, 32)), &key(3, 32), &key(4, 32));
        assert!(with_id("").is_err());
        assert!(with_id(&"k".repeat(33)).is_err());
        assert_eq!(
            with_id(&"k".repeat(32)).unwrap().current_key_id(),
            "k".repeat(32)
        );
        let sealing = format!("k1:{}", key(1, 32));
        assert!(config(&sealing, &key(3, 31), &key(4, 32)).is_err());
        assert!(config(&sealing, &key(3, 32), &key(4, 31)).is_err());
        assert!(config(&sealing, &key(3, 64), &key(4, 32)).is_ok());
    }

    #[test]
    fn the_signing_key_is_the_configured_one() {
        assert_eq!(keys().signing_key(), [3u8; 32]);
    }

    #[test]
    fn configuration_errors_never_echo_key_material() {
        let error = config("nocolon", "x", "y").err().unwrap();
        assert!(!format!("{error:?}").contains("nocolon"));
        assert!(
            config(
                "k1:c2hvcnQ=",
                &STANDARD.encode([0; 32]),
                &STANDARD.encode([0; 32])
            )
            .is_err()
        );
    }

    #[test]
    fn a_key_id_given_twice_is_refused_naming_the_secret_only() {
        let key = |byte: u8| STANDARD.encode([byte; 32]);
        let twice = format!("k1:{},k1:{}", key(1), key(2));
        let error = format!("{:?}", config(&twice, &key(3), &key(4)).err().unwrap());
        assert!(
            error.contains("SECRET_SEALING_KEYS") && error.contains("twice"),
            "{error}"
        );
        assert!(!error.contains(&key(1)), "{error}");
        let lookup = format!("e1:{},e1:{}", key(5), key(6));
        let refused = Keys::from_config(KeyConfig {
            sealing: &format!("k1:{}", key(1)),
            signing: &key(3),
            recovery: &key(4),
            email_lookup: &lookup,
        });
        assert!(format!("{:?}", refused.err().unwrap()).contains("EMAIL_LOOKUP_KEYS"));
    }

    #[test]
    fn each_purpose_has_its_own_key() {
        let key = |byte: u8| STANDARD.encode([byte; 32]);
        let sealing = format!("k1:{}", key(1));
        let with = |recovery: u8, lookup: u8| {
            Keys::from_config(KeyConfig {
                sealing: &sealing,
                signing: &key(3),
                recovery: &key(recovery),
                email_lookup: &format!("e1:{}", key(lookup)),
            })
            .unwrap()
        };
        let (a, rotated_recovery, rotated_lookup) = (with(4, 5), with(7, 5), with(4, 8));
        let code = "abcd-efgh-jkmn-pqrs";
        // Rotating the recovery key changes recovery and SMS hashes, never email lookups.
        assert_ne!(a.recovery_hash(code), rotated_recovery.recovery_hash(code));
        assert_ne!(
            a.sms_code_hash("c", "123456"),
            rotated_recovery.sms_code_hash("c", "123456")
        );
        assert_eq!(a.email_key("a@b.co"), rotated_recovery.email_key("a@b.co"));
        // And the other way round.
        assert_ne!(a.email_key("a@b.co"), rotated_lookup.email_key("a@b.co"));
        assert_eq!(a.recovery_hash(code), rotated_lookup.recovery_hash(code));
        // The SMS key is derived, labelled, and is not the recovery key itself.
        assert_ne!(
            a.sms_code_hash("c", "1"),
            keyed_hash(&[4u8; 32], &["sms-code", "c", "1"])
        );
        // Device tokens have a derived key of their own, and each hash is bound to its user.
        let token = "token";
        assert_ne!(
            a.device_token_hash("u", token),
            rotated_recovery.device_token_hash("u", token)
        );
        assert_ne!(
            a.device_token_hash("u", token),
            a.device_token_hash("v", token)
        );
        assert_ne!(
            a.device_token_hash("u", token),
            keyed_hash(a.sms.as_ref(), &["device-token", "u", token])
        );
        assert_eq!(
            a.device_token_hash("u", token),
            a.device_token_hash("u", token)
        );
    }

    #[test]
    fn emails_are_found_under_every_lookup_key_during_a_rotation() {
        let key = |byte: u8| STANDARD.encode([byte; 32]);
        let sealing = format!("k1:{}", key(1));
        let keys = Keys::from_config(KeyConfig {
            sealing: &sealing,
            signing: &key(3),
            recovery: &key(4),
            email_lookup: &format!("e2:{},e1:{}", key(6), key(5)),
        })
        .unwrap();
        let old = config(&sealing, &key(3), &key(4)).unwrap();
        assert_eq!(keys.current_email_key_id(), "e2");
        assert_eq!(
            keys.email_keys("A@b.co"),
            vec![keys.email_key("a@b.co"), old.email_key("a@b.co")]
        );
    }

    #[test]
    fn every_seal_draws_a_fresh_nonce() {
        // One key, one nonce, two messages: the keystream repeats and GCM's authentication
        // key can be recovered. Each seal must differ in nonce and ciphertext.
        let keys = keys();
        let secret = Secret::generate().unwrap();
        let nonce = |sealed: &[u8]| sealed[3..3 + NONCE_LEN].to_vec();
        let seals = [
            keys.seal(&secret, "u").unwrap(),
            keys.seal(&secret, "u").unwrap(),
            keys.seal_profile(b"{}", "u").unwrap(),
            keys.seal_profile(b"{}", "u").unwrap(),
            keys.seal_answer(b"{}", "s").unwrap(),
            keys.seal_answer(b"{}", "s").unwrap(),
        ];
        for pair in seals.chunks(2) {
            assert_eq!(&pair[0][..3], b"\x02k2", "the id prefix the nonce follows");
            assert_ne!(nonce(&pair[0]), nonce(&pair[1]));
            assert_ne!(pair[0][3 + NONCE_LEN..], pair[1][3 + NONCE_LEN..]);
        }
        let nonces: std::collections::HashSet<Vec<u8>> = seals.iter().map(|s| nonce(s)).collect();
        assert_eq!(nonces.len(), seals.len());
    }

    #[test]
    fn a_kept_answer_is_sealed_bound_to_its_scope() {
        let keys = keys();
        let answer = br#"{"secret":"JBSWY3DPEHPK3PXP"}"#;
        let sealed = keys.seal_answer(answer, "client\0key\0POST /x").unwrap();
        assert!(
            !sealed.windows(answer.len()).any(|w| w == answer),
            "stored in clear"
        );
        assert_eq!(
            keys.open_answer(&sealed, "client\0key\0POST /x")
                .unwrap()
                .as_slice(),
            answer
        );
        assert!(keys.open_answer(&sealed, "other\0key\0POST /x").is_err());
        assert!(keys.open_profile(&sealed, "client\0key\0POST /x").is_err());
    }
}
