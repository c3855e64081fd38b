//! What callers read: every error message, the redacted `Debug` of secrets and codes, the
//! accessors of a `Totp`, and the edges of the parsers that no other test pins.
#![allow(clippy::unwrap_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use otp_core::base32::DecodeError;
use otp_core::uri::MAX_URI_LEN;
use otp_core::{
    Algorithm, Digits, OtpauthUri, ParamError, Secret, SecretError, Totp, UriError, VerifyError,
    hotp,
};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[test]
fn every_error_says_what_is_wrong() {
    let cases: [(&dyn std::fmt::Display, &str); 23] = [
        (
            &DecodeError::InvalidSymbol { position: 3 },
            "invalid character at position 3",
        ),
        (
            &DecodeError::DataAfterPadding { position: 9 },
            "data after padding at position 9",
        ),
        (&DecodeError::InvalidLength, "invalid length"),
        (&DecodeError::InvalidPadding, "invalid padding"),
        (
            &ParamError::Algorithm,
            "algorithm must be SHA1, SHA256 or SHA512",
        ),
        (&ParamError::Digits, "digits must be 6, 7 or 8"),
        (&ParamError::Period, "period must be at least 1 second"),
        (
            &SecretError::TooShort,
            "a new secret must be at least 128 bits long",
        ),
        (&SecretError::Empty, "the secret is empty"),
        (
            &SecretError::Base32(DecodeError::InvalidLength),
            "the secret is not valid base32: invalid length",
        ),
        (&SecretError::Random, "the random number generator failed"),
        (
            &VerifyError::Malformed,
            "the code does not have the expected number of digits",
        ),
        (&VerifyError::Mismatch, "the code is not valid"),
        (&UriError::TooLong, "the URI is longer than 2048 bytes"),
        (&UriError::Scheme, "not an otpauth:// URI"),
        (
            &UriError::UnsupportedType,
            "only otpauth://totp/ URIs are supported",
        ),
        (&UriError::MissingAccount, "the label has no account name"),
        (&UriError::MissingSecret, "the secret parameter is missing"),
        (
            &UriError::Secret(SecretError::Empty),
            "secret parameter: the secret is empty",
        ),
        (&UriError::Digits, "digits must be 6, 7 or 8"),
        (
            &UriError::Period,
            "period must be a whole number of seconds, at least 1",
        ),
        (
            &UriError::DuplicateParameter("secret"),
            "the secret parameter appears twice",
        ),
        (&UriError::Encoding, "invalid percent-encoding"),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
    assert_eq!(
        UriError::AmbiguousLabel.to_string(),
        "the issuer (or an account without issuer) may not contain a colon"
    );
    assert_eq!(
        UriError::Algorithm.to_string(),
        "algorithm must be SHA1, SHA256 or SHA512"
    );
}

#[test]
fn secrets_and_codes_are_redacted_in_debug_output() {
    let secret = Secret::from_base32(SECRET).unwrap();
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    let code = hotp(secret.as_bytes(), 0, Algorithm::Sha1, Digits::Six);
    assert_eq!(format!("{code:?}"), "Code(<redacted>)");
    let totp = Totp::new(&secret, Algorithm::Sha256, Digits::Eight, 60).unwrap();
    assert_eq!(
        format!("{totp:?}"),
        "Totp { algorithm: Sha256, digits: Eight, period: 60, .. }"
    );
}

#[test]
fn a_totp_reports_its_parameters() {
    let secret = Secret::from_base32(SECRET).unwrap();
    let totp = Totp::new(&secret, Algorithm::Sha512, Digits::Seven, 45).unwrap();
    assert_eq!(totp.algorithm(), Algorithm::Sha512);
    assert_eq!(totp.digits(), Digits::Seven);
    assert_eq!(totp.period(), 45);
}

#[test]
fn algorithms_and_digits_parse_every_supported_value() {
    for (name, algorithm) in [
        ("SHA1", Algorithm::Sha1),
        ("sha-1", Algorithm::Sha1),
        ("SHA256", Algorithm::Sha256),
        ("Sha-512", Algorithm::Sha512),
    ] {
        assert_eq!(name.parse::<Algorithm>(), Ok(algorithm), "{name}");
        assert_eq!(algorithm.to_string(), algorithm.as_str());
    }
    assert_eq!(Algorithm::Sha1.to_string(), "SHA1");
    for (count, digits) in [(6, Digits::Six), (7, Digits::Seven), (8, Digits::Eight)] {
        assert_eq!(Digits::try_from(count), Ok(digits));
    }
    assert_eq!(Digits::try_from(5), Err(ParamError::Digits));
}

#[test]
fn a_uri_of_exactly_the_longest_length_is_read() {
    let base = format!("otpauth://totp/Acme:jane?secret={SECRET}&image=");
    let longest = format!("{base}{}", "x".repeat(MAX_URI_LEN - base.len()));
    assert_eq!(longest.len(), MAX_URI_LEN);
    assert!(OtpauthUri::parse(&longest).is_ok());
    assert_eq!(
        OtpauthUri::parse(&format!("{longest}x")).unwrap_err(),
        UriError::TooLong
    );
}

#[test]
fn a_plus_in_the_label_is_a_plus_and_in_a_parameter_a_space() {
    let uri = OtpauthUri::parse(&format!(
        "otpauth://totp/jane+tag@acme.test?secret={SECRET}&issuer=Acme+Corp"
    ))
    .unwrap();
    assert_eq!(uri.account(), "jane+tag@acme.test");
    assert_eq!(uri.issuer(), Some("Acme Corp"));
}
