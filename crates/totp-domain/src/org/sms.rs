//! SMS codes: each challenge (and each SMS enrollment) gets a random code of its own, stored
//! only as a keyed hash bound to its challenge, accepted once, until it expires, and only while
//! it is the user's open one: issuing a new code closes the previous one.

use otp_core::Digits;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::sql::{Sql, Statement};

use super::OrgService;
use super::store::{self, NewChallenge, Purpose};

/// How long an SMS code is accepted: long enough for a text message to arrive and be typed.
pub const SMS_CODE_LIFETIME: u64 = 5 * 60;

/// A code to send, with the writes that make it the user's open one.
pub(super) struct IssuedCode {
    /// The code, in clear only in this answer.
    pub code: Zeroizing<String>,
    /// The last second it is accepted.
    pub expires_at: u64,
    /// The writes that supersede the open code and record this one.
    pub writes: Vec<Statement>,
}

impl<S: Sql> OrgService<'_, S> {
    /// A fresh code for challenge `id` of `user_id`, for `purpose`.
    pub(super) fn issue_sms_code(
        &self,
        id: &str,
        user_id: &str,
        purpose: Purpose,
        digits: Digits,
    ) -> Result<IssuedCode> {
        let code = random_code(digits)?;
        let expires_at = self.now + SMS_CODE_LIFETIME;
        let writes = store::open_challenge(&NewChallenge {
            id,
            user_id,
            purpose,
            created_at: self.now,
            expires_at,
            code_hash: Some(self.keys.sms_code_hash(id, &code)),
        });
        Ok(IssuedCode {
            code,
            expires_at,
            writes,
        })
    }
}

/// A random code of `digits` decimal digits: 64 random bits reduced modulo 10^digits, so no
/// code is likelier than another by more than 10^8 / 2^64.
fn random_code(digits: Digits) -> Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new([0u8; 8]);
    getrandom::fill(bytes.as_mut()).map_err(|_| Error::internal("no randomness"))?;
    let value = u64::from_le_bytes(*bytes) % u64::from(digits.modulus());
    let width = digits.count();
    Ok(Zeroizing::new(format!("{value:0width$}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_digits_asked_for_and_differ() {
        for digits in [Digits::Six, Digits::Seven, Digits::Eight] {
            let codes: Vec<_> = (0..64).map(|_| random_code(digits).unwrap()).collect();
            assert!(codes.iter().all(
                |code| code.len() == digits.count() && code.bytes().all(|b| b.is_ascii_digit())
            ));
            let distinct: std::collections::HashSet<_> =
                codes.iter().map(|code| code.as_str()).collect();
            assert!(distinct.len() > 60, "{digits:?}: {distinct:?}");
        }
    }

    #[test]
    fn a_code_lives_five_minutes() {
        assert_eq!(SMS_CODE_LIFETIME, 300);
    }

    #[test]
    fn leading_zeros_are_kept() {
        let codes: Vec<_> = (0..2000)
            .map(|_| random_code(Digits::Six).unwrap())
            .collect();
        assert!(codes.iter().any(|code| code.starts_with('0')));
    }
}
