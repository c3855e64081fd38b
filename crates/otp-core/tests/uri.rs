//! otpauth:// URIs: round trips, what real apps and providers emit, and hostile input.
#![allow(clippy::unwrap_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use otp_core::{Algorithm, Digits, OtpauthUri, Secret, SecretError, UriError};

fn secret() -> Secret {
    Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap()
}

#[test]
fn defaults_are_left_out() {
    let uri =
        OtpauthUri::new(Some("Communitiz App"), "emilie@communitiz-app.co", secret()).unwrap();
    assert_eq!(
        uri.to_uri().as_str(),
        "otpauth://totp/Communitiz%20App:emilie%40communitiz-app.co\
         ?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Communitiz%20App"
    );
}

#[test]
fn other_parameters_are_written() {
    let uri = OtpauthUri::new(None, "jane", secret())
        .unwrap()
        .with_parameters(Algorithm::Sha512, Digits::Eight, 60)
        .unwrap();
    assert_eq!(
        uri.to_uri().as_str(),
        "otpauth://totp/jane?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60"
    );
}

#[test]
fn round_trips_keep_every_field() {
    let cases = [
        (Some("ACME"), "a", Algorithm::Sha1, Digits::Six, 30),
        (
            Some("Ünïcødé & Co / 100%"),
            "j.doe+tag@example.com",
            Algorithm::Sha256,
            Digits::Seven,
            45,
        ),
        (
            Some("I"),
            "colon:in:account",
            Algorithm::Sha512,
            Digits::Eight,
            1,
        ),
        (Some("a?b#c=d&e"), "  ", Algorithm::Sha1, Digits::Six, 30),
    ];
    for (issuer, account, algorithm, digits, period) in cases {
        let uri = OtpauthUri::new(issuer, account, secret())
            .unwrap()
            .with_parameters(algorithm, digits, period)
            .unwrap();
        let parsed = OtpauthUri::parse(&uri.to_uri());
        if account.trim().is_empty() {
            assert_eq!(parsed, Err(UriError::MissingAccount));
        } else {
            assert_eq!(parsed.unwrap(), uri);
        }
    }
}

#[test]
fn tolerates_what_apps_and_providers_emit() {
    let cases = [
        // Lower-case secret in groups, literal colon and a space after it.
        (
            "otpauth://totp/Example:%20alice@google.com?secret=jbsw y3dp ehpk 3pxp&issuer=Example",
            Some("Example"),
            "alice@google.com",
        ),
        // Encoded colon, upper-case scheme and type, parameter names in capitals.
        (
            "OTPAUTH://TOTP/Big%20Corp%3Ajohn.doe?SECRET=JBSWY3DPEHPK3PXP&ISSUER=Big%20Corp",
            Some("Big Corp"),
            "john.doe",
        ),
        // `+` for a space in the issuer parameter; unknown parameters and a fragment.
        (
            "otpauth://totp/Big+Corp:jd?secret=JBSWY3DPEHPK3PXP&issuer=Big+Corp&image=https%3A%2F%2Fx%2Fy.png#frag",
            Some("Big Corp"),
            "jd",
        ),
        // No issuer anywhere.
        ("otpauth://totp/jd?secret=JBSWY3DPEHPK3PXP", None, "jd"),
        // Issuer only in the label.
        (
            "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP",
            Some("GitHub"),
            "octocat",
        ),
        // The parameter wins over the label.
        (
            "otpauth://totp/Old:jd?secret=JBSWY3DPEHPK3PXP&issuer=New",
            Some("New"),
            "jd",
        ),
    ];
    for (text, issuer, account) in cases {
        let uri = OtpauthUri::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!((uri.issuer(), uri.account()), (issuer, account), "{text}");
        assert_eq!(uri.secret().as_bytes(), b"Hello!\xde\xad\xbe\xef");
    }
}

#[test]
fn reads_algorithm_digits_and_period() {
    let uri = OtpauthUri::parse(
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=sha-256&digits=8&period=60",
    )
    .unwrap();
    assert_eq!(
        (uri.algorithm(), uri.digits(), uri.period()),
        (Algorithm::Sha256, Digits::Eight, 60)
    );
    let totp = uri.totp().unwrap();
    assert_eq!(
        totp.verify(totp.generate(600).as_str(), 600, Default::default()),
        Ok(10)
    );
}

#[test]
fn hostile_and_broken_uris_get_typed_errors() {
    let long = format!("otpauth://totp/x?secret={}", "A".repeat(3000));
    let cases: [(&str, UriError); 17] = [
        (&long, UriError::TooLong),
        ("", UriError::Scheme),
        ("https://totp/x?secret=JBSWY3DPEHPK3PXP", UriError::Scheme),
        ("otpauth:totp/x?secret=JBSWY3DPEHPK3PXP", UriError::Scheme),
        (
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1",
            UriError::UnsupportedType,
        ),
        (
            "otpauth://totp/?secret=JBSWY3DPEHPK3PXP",
            UriError::MissingAccount,
        ),
        (
            "otpauth://totp/Issuer:?secret=JBSWY3DPEHPK3PXP",
            UriError::MissingAccount,
        ),
        ("otpauth://totp/x", UriError::MissingSecret),
        (
            "otpauth://totp/x?secret=",
            UriError::Secret(SecretError::Empty),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PX1",
            UriError::Secret(SecretError::Base32(
                otp_core::base32::DecodeError::InvalidSymbol { position: 15 },
            )),
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
            UriError::Algorithm,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=10",
            UriError::Digits,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=-6",
            UriError::Digits,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0",
            UriError::Period,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=99999999999999999999999",
            UriError::Period,
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&secret=GEZDGNBV",
            UriError::DuplicateParameter("secret"),
        ),
        (
            "otpauth://totp/%FF%FE?secret=JBSWY3DPEHPK3PXP",
            UriError::Encoding,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(OtpauthUri::parse(text), Err(expected), "{text}");
    }
}

#[test]
fn errors_never_echo_the_secret() {
    let error = OtpauthUri::parse("otpauth://totp/x?secret=TOPSECRET1").unwrap_err();
    assert!(!error.to_string().contains("TOPSECRET"), "{error}");
    let parsed = OtpauthUri::parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").unwrap();
    assert!(!format!("{parsed:?}").contains("JBSWY3DP"));
}

#[test]
fn building_refuses_ambiguous_labels() {
    assert_eq!(
        OtpauthUri::new(Some("a:b"), "c", secret()),
        Err(UriError::AmbiguousLabel)
    );
    assert_eq!(
        OtpauthUri::new(None, "a:b", secret()),
        Err(UriError::AmbiguousLabel)
    );
    assert_eq!(
        OtpauthUri::new(Some("a"), "", secret()),
        Err(UriError::MissingAccount)
    );
    let zero = OtpauthUri::new(None, "c", secret())
        .unwrap()
        .with_parameters(Algorithm::Sha1, Digits::Six, 0);
    assert_eq!(zero, Err(UriError::Period));
}
