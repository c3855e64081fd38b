//! The shared secret of a TOTP factor.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::base32;

/// A TOTP shared secret: raw key bytes, wiped from memory on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// The size of a generated secret: 160 bits, the output size of SHA-1 (RFC 4226, section 4).
    pub const GENERATED_LEN: usize = 20;
    /// The smallest new secret accepted: 128 bits (RFC 4226, section 4, R6).
    pub const MIN_NEW_LEN: usize = 16;

    /// A fresh random 160-bit secret from the operating system's generator
    /// (`crypto.getRandomValues` in browsers and Workers).
    #[cfg(feature = "rand")]
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = alloc::vec![0u8; Self::GENERATED_LEN];
        getrandom::fill(&mut bytes).map_err(|_| SecretError::Random)?;
        Ok(Self(bytes))
    }

    /// A new secret from raw bytes; fewer than 128 bits are refused.
    pub fn new(bytes: Vec<u8>) -> Result<Self, SecretError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < Self::MIN_NEW_LEN {
            return Err(SecretError::TooShort);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// An existing secret from its base32 text, as authenticator apps and providers show it.
    ///
    /// Case, spaces and padding are ignored. Shorter secrets than [`Secret::new`] accepts are
    /// allowed here (many providers issued 80-bit secrets), but an empty one is not.
    pub fn from_base32(text: &str) -> Result<Self, SecretError> {
        let bytes = base32::decode(text).map_err(SecretError::Base32)?;
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// An existing secret from raw bytes, e.g. decrypted from storage; an empty one is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in unpadded upper-case base32, for manual entry in an authenticator app.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(base32::encode(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Why a secret could not be made. Never carries any part of the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretError {
    /// A new secret must have at least 128 bits.
    TooShort,
    /// A secret must not be empty.
    Empty,
    /// The text is not valid base32.
    Base32(base32::DecodeError),
    /// The random number generator failed.
    Random,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => f.write_str("a new secret must be at least 128 bits long"),
            Self::Empty => f.write_str("the secret is empty"),
            Self::Base32(error) => write!(f, "the secret is not valid base32: {error}"),
            Self::Random => f.write_str("the random number generator failed"),
        }
    }
}

impl core::error::Error for SecretError {}
