//! The published test vectors of RFC 4226 (Appendix D) and RFC 6238 (Appendix B).
#![allow(clippy::unwrap_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use otp_core::{Algorithm, Digits, Secret, Totp, Window, hotp};

const SHA1_KEY: &[u8] = b"12345678901234567890";
const SHA256_KEY: &[u8] = b"12345678901234567890123456789012";
const SHA512_KEY: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

#[test]
fn rfc4226_appendix_d() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in (0u64..).zip(expected) {
        assert_eq!(
            hotp(SHA1_KEY, counter, Algorithm::Sha1, Digits::Six).as_str(),
            code,
            "count {counter}"
        );
    }
}

/// (time, SHA-1, SHA-256, SHA-512), eight digits, period 30.
const RFC6238: [(u64, &str, &str, &str); 6] = [
    (59, "94287082", "46119246", "90693936"),
    (1_111_111_109, "07081804", "68084774", "25091201"),
    (1_111_111_111, "14050471", "67062674", "99943326"),
    (1_234_567_890, "89005924", "91819424", "93441116"),
    (2_000_000_000, "69279037", "90698825", "38618901"),
    (20_000_000_000, "65353130", "77737706", "47863826"),
];

fn totp(key: &[u8], algorithm: Algorithm) -> Totp {
    Totp::new(
        &Secret::from_bytes(key).unwrap(),
        algorithm,
        Digits::Eight,
        30,
    )
    .unwrap()
}

/// Runs `check` on every RFC 6238 Appendix B vector: the generator of its algorithm, the time,
/// and the expected code.
fn each_rfc6238_vector(check: impl Fn(&Totp, u64, &str)) {
    let generators = [
        totp(SHA1_KEY, Algorithm::Sha1),
        totp(SHA256_KEY, Algorithm::Sha256),
        totp(SHA512_KEY, Algorithm::Sha512),
    ];
    for (time, sha1, sha256, sha512) in RFC6238 {
        for (generator, code) in generators.iter().zip([sha1, sha256, sha512]) {
            check(generator, time, code);
        }
    }
}

#[test]
fn rfc6238_appendix_b_generate() {
    each_rfc6238_vector(|generator, time, code| {
        assert_eq!(
            generator.generate(time).as_str(),
            code,
            "{:?} at {time}",
            generator.algorithm()
        );
    });
}

#[test]
fn rfc6238_appendix_b_verify_exactly_at_their_step() {
    each_rfc6238_vector(|generator, time, code| {
        assert_eq!(
            generator.verify(code, time, Window::default()),
            Ok(time / 30)
        );
    });
}

#[test]
fn shorter_codes_are_the_low_digits_of_the_truncation() {
    // RFC 4226 Appendix D lists the full truncated values; 6 and 7 digits are their remainders.
    let truncated = 1_284_755_224u32;
    for digits in [Digits::Six, Digits::Seven, Digits::Eight] {
        let code = hotp(SHA1_KEY, 0, Algorithm::Sha1, digits);
        let expected = format!(
            "{:0width$}",
            truncated % digits.modulus(),
            width = digits.count()
        );
        assert_eq!(code.as_str(), expected);
    }
}
