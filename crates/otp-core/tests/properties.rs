//! Property tests (native only: proptest needs the standard library's process model).
#![cfg(not(target_arch = "wasm32"))]

use otp_core::{Algorithm, Digits, OtpauthUri, Secret, base32};
use proptest::prelude::*;

proptest! {
    #[test]
    fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(&*base32::decode(&base32::encode(&bytes)).unwrap(), &bytes[..]);
    }

    #[test]
    fn base32_decoding_never_panics(text in "\\PC{0,80}") {
        let _ = base32::decode(&text);
    }

    #[test]
    fn uri_parsing_never_panics(text in "otpauth://[a-zA-Z]{0,5}/\\PC{0,120}") {
        let _ = OtpauthUri::parse(&text);
    }

    #[test]
    fn uri_parsing_never_panics_on_anything(text in "\\PC{0,200}") {
        let _ = OtpauthUri::parse(&text);
    }

    #[test]
    fn uris_round_trip(
        issuer in proptest::option::of("[^:]{1,24}"),
        account in "\\PC{1,24}",
        bytes in proptest::collection::vec(any::<u8>(), 16..40),
        algorithm in prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)],
        digits in prop_oneof![Just(Digits::Six), Just(Digits::Seven), Just(Digits::Eight)],
        period in 1u64..100_000,
    ) {
        prop_assume!(!account.trim_start().is_empty() && account.trim_start() == account);
        prop_assume!(issuer.is_some() || !account.contains(':'));
        let uri = OtpauthUri::new(issuer.as_deref(), &account, Secret::new(bytes).unwrap())
            .unwrap()
            .with_parameters(algorithm, digits, period)
            .unwrap();
        prop_assert_eq!(OtpauthUri::parse(&uri.to_uri()).unwrap(), uri);
    }
}
