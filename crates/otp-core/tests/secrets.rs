//! Base32 (RFC 4648 section 6), secrets and recovery codes.
#![allow(clippy::unwrap_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use otp_core::base32::{self, DecodeError};
use otp_core::{Secret, SecretError, recovery};

/// RFC 4648 section 10, with the padding the encoder leaves out.
const RFC4648: [(&str, &str); 7] = [
    ("", ""),
    ("f", "MY======"),
    ("fo", "MZXQ===="),
    ("foo", "MZXW6==="),
    ("foob", "MZXW6YQ="),
    ("fooba", "MZXW6YTB"),
    ("foobar", "MZXW6YTBOI======"),
];

#[test]
fn rfc4648_vectors_encode_without_padding() {
    for (plain, encoded) in RFC4648 {
        assert_eq!(
            base32::encode(plain.as_bytes()),
            encoded.trim_end_matches('=')
        );
    }
}

#[test]
fn rfc4648_vectors_decode_with_and_without_padding() {
    for (plain, encoded) in RFC4648 {
        assert_eq!(&*base32::decode(encoded).unwrap(), plain.as_bytes());
        assert_eq!(
            &*base32::decode(encoded.trim_end_matches('=')).unwrap(),
            plain.as_bytes()
        );
    }
}

#[test]
fn decoding_ignores_case_and_whitespace() {
    assert_eq!(&*base32::decode("mzxw 6ytb\toi\n").unwrap(), b"foobar");
    assert_eq!(&*base32::decode("MzXw6YtBoI======").unwrap(), b"foobar");
}

#[test]
fn decoding_reports_the_position_of_bad_input() {
    assert_eq!(
        base32::decode("MZXW1YTB"),
        Err(DecodeError::InvalidSymbol { position: 4 })
    );
    assert_eq!(
        base32::decode("MZ=XW6YTB"),
        Err(DecodeError::DataAfterPadding { position: 3 })
    );
    assert_eq!(base32::decode("MZXW6YTBO"), Err(DecodeError::InvalidLength));
    assert_eq!(base32::decode("MZXW6Y=="), Err(DecodeError::InvalidLength));
    assert_eq!(
        base32::decode("MZXW6YQ=="),
        Err(DecodeError::InvalidPadding)
    );
    assert_eq!(
        base32::decode("MZXW6YTBé"),
        Err(DecodeError::InvalidSymbol { position: 8 })
    );
}

#[test]
fn decoding_refuses_lengths_that_cannot_hold_whole_bytes() {
    // 1, 3 or 6 symbols in the last group of eight leave bits that make no whole byte.
    for text in [
        "M",
        "MZX",
        "MZXW6Y",
        "MZXW6YTBM",
        "MZXW6YTBMZX",
        "MZXW6YTBMZXW6Y",
    ] {
        assert_eq!(
            base32::decode(text),
            Err(DecodeError::InvalidLength),
            "{text}"
        );
    }
}

#[test]
fn decoding_keeps_its_padding_rules() {
    // `=` only at the end, with whitespace allowed inside it, and only to complete a group.
    assert_eq!(&*base32::decode("MY== ==\n==").unwrap(), b"f");
    assert_eq!(
        base32::decode("MY======MY======"),
        Err(DecodeError::DataAfterPadding { position: 8 })
    );
    assert_eq!(
        base32::decode("=MY"),
        Err(DecodeError::DataAfterPadding { position: 1 })
    );
    assert_eq!(
        base32::decode("MZ=1"),
        Err(DecodeError::DataAfterPadding { position: 3 })
    );
    assert_eq!(
        base32::decode("MY======="),
        Err(DecodeError::InvalidPadding)
    );
    // A whole group of padding after complete data has always been accepted.
    assert_eq!(&*base32::decode("MZXW6YTB========").unwrap(), b"fooba");
    assert_eq!(&*base32::decode("========").unwrap(), b"");
}

#[test]
fn decoding_ignores_the_unused_trailing_bits() {
    // "MZ" is "f" plus two bits that a canonical encoder leaves zero ("MY"): they are dropped.
    assert_eq!(&*base32::decode("MZ").unwrap(), b"f");
    assert_eq!(&*base32::decode("MZXW6YTBOL").unwrap(), b"foobar");
}

#[test]
fn decoding_ignores_only_ascii_whitespace() {
    assert_eq!(&*base32::decode("MZ\r\n\x0cXW 6Y\tTB").unwrap(), b"fooba");
    for (text, position) in [
        ("MZ\x0bXW", 2),
        ("MZ\u{a0}XW", 2),
        ("0A", 0),
        ("A1", 1),
        ("AB8C", 2),
        ("ABC9", 3),
        ("AB-C", 2),
        ("M1", 1),
    ] {
        assert_eq!(
            base32::decode(text),
            Err(DecodeError::InvalidSymbol { position }),
            "{text:?}"
        );
    }
}

#[test]
fn new_secrets_must_have_128_bits() {
    assert_eq!(Secret::new(vec![7; 15]), Err(SecretError::TooShort));
    assert_eq!(Secret::new(vec![7; 16]).unwrap().as_bytes(), &[7; 16]);
}

#[test]
fn existing_secrets_may_be_shorter_but_not_empty() {
    // Many providers issued 80-bit secrets (16 base32 symbols).
    assert_eq!(
        Secret::from_base32("JBSWY3DPEHPK3PXP")
            .unwrap()
            .as_bytes()
            .len(),
        10
    );
    assert_eq!(Secret::from_base32("  "), Err(SecretError::Empty));
    assert_eq!(Secret::from_bytes(&[]), Err(SecretError::Empty));
}

#[test]
fn generated_secrets_are_160_bits_and_distinct() {
    let first = Secret::generate().unwrap();
    let second = Secret::generate().unwrap();
    assert_eq!(first.as_bytes().len(), 20);
    assert_ne!(first, second);
    assert_eq!(Secret::from_base32(&first.to_base32()).unwrap(), first);
}

#[test]
fn secret_errors_never_echo_the_input() {
    let error = Secret::from_base32("SUPERSECRET1").unwrap_err();
    assert!(!error.to_string().contains("SUPERSECRET"), "{error}");
}

#[test]
fn recovery_codes_are_80_bits_in_groups_of_four() {
    let code = recovery::generate().unwrap();
    assert_eq!(code.len(), 19);
    assert_eq!(
        code.split('-').map(str::len).collect::<Vec<_>>(),
        [4, 4, 4, 4]
    );
    assert_ne!(*code, *recovery::generate().unwrap());
}

#[test]
fn recovery_code_input_is_normalised_before_hashing() {
    let key = b"server-side recovery hashing key";
    let code = recovery::generate().unwrap();
    let typed = code.to_uppercase().replace('-', " ");
    assert_eq!(recovery::hash(key, &code), recovery::hash(key, &typed));
    assert!(recovery::hash(key, &code).is_some());
    assert_ne!(
        recovery::hash(key, &code),
        recovery::hash(b"another key", &code)
    );
}

#[test]
fn things_that_are_not_recovery_codes_have_no_hash() {
    let key = b"key";
    for input in [
        "",
        "123456",
        "abcd-efgh-ijkl-mno",
        "abcd-efgh-ijkl-mnop-q",
        "abcd-efgh-ijkl-mn0p",
    ] {
        assert_eq!(recovery::hash(key, input), None, "{input:?}");
    }
}
