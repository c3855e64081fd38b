//! TOTP (RFC 6238): HOTP over the number of periods elapsed since the Unix epoch.

use core::fmt;
use core::num::NonZeroU64;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::hotp::{Code, KeyedHmac};
use crate::{Algorithm, Digits, ParamError, Secret};

/// How many time steps before and after the current one a code may come from, to absorb
/// clock drift between the server and the authenticator (RFC 6238, section 5.2).
///
/// Each side is at most 255 steps, which bounds the work of one verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// Steps accepted before the current one.
    pub behind: u8,
    /// Steps accepted after the current one.
    pub ahead: u8,
}

impl Window {
    /// The same number of steps on each side.
    pub const fn symmetric(steps: u8) -> Self {
        Self {
            behind: steps,
            ahead: steps,
        }
    }
}

/// Why a code was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The code does not have the configured number of digits, or holds something else.
    Malformed,
    /// The code is well formed but matches no time step of the window.
    Mismatch,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the code does not have the expected number of digits",
            Self::Mismatch => "the code is not valid",
        })
    }
}

impl core::error::Error for VerifyError {}

/// A TOTP generator and verifier for one secret.
///
/// The HMAC key is absorbed once at construction, so verifying a window costs one short HMAC
/// per step.
#[derive(Clone)]
pub struct Totp {
    hmac: KeyedHmac,
    algorithm: Algorithm,
    digits: Digits,
    period: NonZeroU64,
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Totp {
    /// A TOTP for `secret` with `period` seconds per step (30 is the common default).
    pub fn new(
        secret: &Secret,
        algorithm: Algorithm,
        digits: Digits,
        period: u64,
    ) -> Result<Self, ParamError> {
        Ok(Self {
            hmac: KeyedHmac::new(secret.as_bytes(), algorithm),
            algorithm,
            digits,
            period: NonZeroU64::new(period).ok_or(ParamError::Period)?,
        })
    }

    /// The hash function.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The number of digits of a code.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// Seconds per time step.
    pub fn period(&self) -> u64 {
        self.period.get()
    }

    /// The time step that `unix_seconds` falls in (`T` in RFC 6238, with `T0 = 0`).
    pub fn step(&self, unix_seconds: u64) -> u64 {
        unix_seconds / self.period
    }

    /// Seconds until the step containing `unix_seconds` ends.
    pub fn seconds_remaining(&self, unix_seconds: u64) -> u64 {
        self.period.get() - unix_seconds % self.period
    }

    /// The code for the step containing `unix_seconds`.
    pub fn generate(&self, unix_seconds: u64) -> Code {
        self.generate_at_step(self.step(unix_seconds))
    }

    /// The code for time step `step`.
    pub fn generate_at_step(&self, step: u64) -> Code {
        self.hmac.code(step, self.digits)
    }

    /// Checks `code` against every step of `window` around `unix_seconds` and returns the
    /// matched step.
    ///
    /// The caller must accept a step at most once: store it and refuse any step that is not
    /// newer than the last accepted one (RFC 6238, section 5.2). Every step of the window is
    /// computed and compared in constant time, whether or not an earlier one matched; when two
    /// steps produce the same code, the latest is returned.
    pub fn verify(
        &self,
        code: &str,
        unix_seconds: u64,
        window: Window,
    ) -> Result<u64, VerifyError> {
        let candidate = parse_code(code, self.digits)?;
        let now = self.step(unix_seconds);
        let first = now.saturating_sub(u64::from(window.behind));
        let last = now.saturating_add(u64::from(window.ahead));

        let mut matched = Choice::from(0);
        let mut matched_step = 0u64;
        for step in first..=last {
            let is_match = self.hmac.value(step, self.digits).ct_eq(&candidate);
            matched_step.conditional_assign(&step, is_match);
            matched |= is_match;
        }
        if bool::from(matched) {
            Ok(matched_step)
        } else {
            Err(VerifyError::Mismatch)
        }
    }
}

/// Reads exactly `digits` ASCII decimal digits, without branching on their values.
fn parse_code(code: &str, digits: Digits) -> Result<u32, VerifyError> {
    if code.len() != digits.count() {
        return Err(VerifyError::Malformed);
    }
    let mut value = 0u32;
    let mut all_digits = true;
    for byte in code.bytes() {
        all_digits &= byte.is_ascii_digit();
        value = value * 10 + u32::from(byte.wrapping_sub(b'0') % 10);
    }
    if all_digits {
        Ok(value)
    } else {
        Err(VerifyError::Malformed)
    }
}
