//! The parameters shared by HOTP and TOTP.

use core::fmt;
use core::str::FromStr;

/// The HMAC hash function of a one-time password.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC-SHA-1, the default of RFC 4226 and of every authenticator app.
    #[default]
    Sha1,
    /// HMAC-SHA-256 (RFC 6238).
    Sha256,
    /// HMAC-SHA-512 (RFC 6238).
    Sha512,
}

impl Algorithm {
    /// The name used in `otpauth://` URIs and on the wire: `SHA1`, `SHA256` or `SHA512`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = ParamError;

    /// Accepts `SHA1`, `SHA256`, `SHA512` in any case, with or without a hyphen (`SHA-256`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut name = [0u8; 6];
        let mut len = 0;
        for byte in s.bytes().filter(|&b| b != b'-') {
            *name.get_mut(len).ok_or(ParamError::Algorithm)? = byte.to_ascii_uppercase();
            len += 1;
        }
        match name.get(..len) {
            Some(b"SHA1") => Ok(Self::Sha1),
            Some(b"SHA256") => Ok(Self::Sha256),
            Some(b"SHA512") => Ok(Self::Sha512),
            _ => Err(ParamError::Algorithm),
        }
    }
}

/// The number of decimal digits of a code. Its value is the modulus of the truncated HMAC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Digits {
    /// Six digits, the default.
    #[default]
    Six = 1_000_000,
    /// Seven digits.
    Seven = 10_000_000,
    /// Eight digits.
    Eight = 100_000_000,
}

impl Digits {
    /// The number of digits: 6, 7 or 8.
    pub const fn count(self) -> usize {
        match self {
            Self::Six => 6,
            Self::Seven => 7,
            Self::Eight => 8,
        }
    }

    /// Ten to the power of [`Digits::count`].
    pub const fn modulus(self) -> u32 {
        self as u32
    }
}

impl TryFrom<u32> for Digits {
    type Error = ParamError;

    fn try_from(count: u32) -> Result<Self, Self::Error> {
        match count {
            6 => Ok(Self::Six),
            7 => Ok(Self::Seven),
            8 => Ok(Self::Eight),
            _ => Err(ParamError::Digits),
        }
    }
}

/// A parameter outside what this crate supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamError {
    /// The algorithm is not SHA1, SHA256 or SHA512.
    Algorithm,
    /// The number of digits is not 6, 7 or 8.
    Digits,
    /// The period is zero.
    Period,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Algorithm => "algorithm must be SHA1, SHA256 or SHA512",
            Self::Digits => "digits must be 6, 7 or 8",
            Self::Period => "period must be at least 1 second",
        })
    }
}

impl core::error::Error for ParamError {}
