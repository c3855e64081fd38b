//! RFC 4648 base32 (the standard alphabet), as used for TOTP secrets.
//!
//! Decoding packs the bits with the `base32` crate. It accepts `=` anywhere, any length and
//! upper case only, and says nothing about where the input is wrong, so this layer checks the
//! text first and hands it only normalised symbols of a length that encodes whole bytes.
//!
//! Encoding stays here: the crate's encoder outgrows its buffer past four bytes, freeing an
//! unwiped copy of the secret's text, and its `unwrap` added 2.2 KB gzip to otp-web.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes `bytes` as upper-case base32 without padding.
///
/// ```
/// assert_eq!(otp_core::base32::encode(b"foobar"), "MZXW6YTBOI");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer = 0u16;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(symbol(buffer >> bits));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(symbol(buffer << (5 - bits)));
    }
    out
}

fn symbol(index: u16) -> char {
    char::from(ALPHABET[usize::from(index & 0x1f)])
}

/// Decodes base32 text: case-insensitive, with or without `=` padding, ASCII whitespace ignored.
///
/// ```
/// assert_eq!(&*otp_core::base32::decode("mzxw 6ytb oi======").unwrap(), b"foobar");
/// ```
pub fn decode(text: &str) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
    let symbols = symbols(text)?;
    // Cannot fail: every symbol is in the alphabet. For these lengths the crate's buffer holds
    // all it writes, so it never grows and frees an unwiped copy.
    ::base32::decode(::base32::Alphabet::Rfc4648 { padding: false }, &symbols)
        .map(Zeroizing::new)
        .ok_or(DecodeError::InvalidLength)
}

/// The symbols of `text` in upper case, without whitespace and padding, once the text is known
/// to be valid.
fn symbols(text: &str) -> Result<Zeroizing<String>, DecodeError> {
    let mut symbols = Zeroizing::new(String::with_capacity(text.len()));
    let mut padding = 0usize;
    for (position, byte) in text.bytes().enumerate() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        if byte == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return Err(DecodeError::DataAfterPadding { position });
        }
        let symbol = byte.to_ascii_uppercase();
        if !matches!(symbol, b'A'..=b'Z' | b'2'..=b'7') {
            return Err(DecodeError::InvalidSymbol { position });
        }
        symbols.push(char::from(symbol));
    }
    // A final group of 2, 4, 5 or 7 symbols carries whole bytes; 1, 3 or 6 cannot occur.
    if matches!(symbols.len() % 8, 1 | 3 | 6) {
        return Err(DecodeError::InvalidLength);
    }
    if padding > 0 && !(symbols.len() + padding).is_multiple_of(8) {
        return Err(DecodeError::InvalidPadding);
    }
    Ok(symbols)
}

/// Why base32 text could not be decoded. Positions count bytes of the input; the offending
/// symbol itself is not kept, since the text is a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A byte outside the base32 alphabet.
    InvalidSymbol {
        /// Byte offset in the input.
        position: usize,
    },
    /// Something other than padding or whitespace after the first `=`.
    DataAfterPadding {
        /// Byte offset in the input.
        position: usize,
    },
    /// The number of symbols cannot encode whole bytes.
    InvalidLength,
    /// Padding that does not complete a group of eight symbols.
    InvalidPadding,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSymbol { position } => {
                write!(f, "invalid character at position {position}")
            }
            Self::DataAfterPadding { position } => {
                write!(f, "data after padding at position {position}")
            }
            Self::InvalidLength => f.write_str("invalid length"),
            Self::InvalidPadding => f.write_str("invalid padding"),
        }
    }
}

impl core::error::Error for DecodeError {}
