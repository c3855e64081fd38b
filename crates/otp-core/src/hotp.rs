//! HOTP (RFC 4226): an HMAC of a counter, dynamically truncated to a few decimal digits.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroize;

use crate::{Algorithm, Digits};

/// A one-time password: `digits` ASCII decimal digits, zero-padded.
///
/// It is a secret for as long as it is valid, so `Debug` hides it and it is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Code {
    ascii: [u8; 8],
    len: usize,
}

impl Code {
    fn new(value: u32, digits: Digits) -> Self {
        let len = digits.count();
        let mut ascii = [b'0'; 8];
        let mut rest = value;
        for slot in ascii.iter_mut().take(len).rev() {
            // `rest % 10` is a single decimal digit, so the cast is exact.
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Self { ascii, len }
    }

    /// The code as a string of digits, e.g. `"054201"`.
    pub fn as_str(&self) -> &str {
        let digits = self.ascii.get(..self.len).unwrap_or_default();
        core::str::from_utf8(digits).unwrap_or_default()
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(<redacted>)")
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        self.ascii.zeroize();
    }
}

/// Computes the HOTP value of `counter` (RFC 4226, section 5.3).
///
/// ```
/// use otp_core::{hotp, Algorithm, Digits};
/// assert_eq!(hotp(b"12345678901234567890", 0, Algorithm::Sha1, Digits::Six).as_str(), "755224");
/// ```
pub fn hotp(secret: &[u8], counter: u64, algorithm: Algorithm, digits: Digits) -> Code {
    KeyedHmac::new(secret, algorithm).code(counter, digits)
}

/// An HMAC whose key has been absorbed once, so each further code costs one HMAC of 8 bytes.
/// Cloning the keyed state is cheaper than re-keying it for every time step of a window.
#[derive(Clone)]
pub(crate) enum KeyedHmac {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl KeyedHmac {
    pub(crate) fn new(key: &[u8], algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(keyed(key)),
            Algorithm::Sha256 => Self::Sha256(keyed(key)),
            Algorithm::Sha512 => Self::Sha512(keyed(key)),
        }
    }

    /// The truncated value of `counter`, reduced to `digits`.
    pub(crate) fn value(&self, counter: u64, digits: Digits) -> u32 {
        let counter = counter.to_be_bytes();
        let truncated = match self {
            Self::Sha1(mac) => dynamic_truncation(mac.clone(), &counter),
            Self::Sha256(mac) => dynamic_truncation(mac.clone(), &counter),
            Self::Sha512(mac) => dynamic_truncation(mac.clone(), &counter),
        };
        truncated % digits.modulus()
    }

    pub(crate) fn code(&self, counter: u64, digits: Digits) -> Code {
        Code::new(self.value(counter, digits), digits)
    }
}

#[allow(clippy::expect_used)] // HMAC accepts keys of every length (RFC 2104, section 2).
fn keyed<M: KeyInit>(key: &[u8]) -> M {
    M::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// RFC 4226, section 5.3: 31 bits read at the offset given by the low nibble of the last byte.
fn dynamic_truncation(mut mac: impl Mac, counter: &[u8; 8]) -> u32 {
    mac.update(counter);
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash.last().copied().unwrap_or_default() & 0x0f);
    // Every hash here is at least 20 bytes long and `offset + 4 <= 19`.
    let word = hash
        .get(offset..offset + 4)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .unwrap_or_default();
    u32::from_be_bytes(word) & 0x7fff_ffff
}
