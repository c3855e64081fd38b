//! Recovery codes: single-use fallbacks for a lost authenticator, stored only as keyed hashes.
//!
//! A code is 80 random bits written as 16 lower-case base32 symbols in groups of four
//! (`abcd-efgh-ijkl-mnop`). Input is normalised (case, hyphens and spaces ignored) before it
//! is hashed with HMAC-SHA-256 under a server key, so a stolen database holds nothing that can
//! be tried offline without that key.

use alloc::string::String;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Symbols in a recovery code, hyphens not counted.
pub const SYMBOLS: usize = 16;

/// A generated recovery code, as shown once to the user.
#[cfg(feature = "rand")]
pub fn generate() -> Result<Zeroizing<String>, crate::SecretError> {
    let mut bytes = Zeroizing::new([0u8; SYMBOLS * 5 / 8]);
    getrandom::fill(bytes.as_mut()).map_err(|_| crate::SecretError::Random)?;
    let mut symbols = Zeroizing::new(crate::base32::encode(bytes.as_ref()));
    symbols.make_ascii_lowercase();
    let mut code = Zeroizing::new(String::with_capacity(SYMBOLS + SYMBOLS / 4));
    for (index, symbol) in symbols.chars().enumerate() {
        if index > 0 && index.is_multiple_of(4) {
            code.push('-');
        }
        code.push(symbol);
    }
    Ok(code)
}

/// The canonical form of user input if it has the shape of a recovery code, else `None`.
pub fn normalize(input: &str) -> Option<Zeroizing<String>> {
    let mut canonical = Zeroizing::new(String::with_capacity(SYMBOLS));
    for symbol in input
        .chars()
        .filter(|c| *c != '-' && !c.is_ascii_whitespace())
    {
        let symbol = symbol.to_ascii_lowercase();
        if canonical.len() == SYMBOLS || !matches!(symbol, 'a'..='z' | '2'..='7') {
            return None;
        }
        canonical.push(symbol);
    }
    (canonical.len() == SYMBOLS).then_some(canonical)
}

/// The keyed hash stored for a recovery code: HMAC-SHA-256 of its canonical form, or `None`
/// when `input` is not shaped like a recovery code.
#[allow(clippy::expect_used)] // HMAC accepts keys of every length (RFC 2104, section 2).
pub fn hash(key: &[u8], input: &str) -> Option<[u8; 32]> {
    let canonical = normalize(input)?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key");
    mac.update(canonical.as_bytes());
    Some(mac.finalize().into_bytes().into())
}
