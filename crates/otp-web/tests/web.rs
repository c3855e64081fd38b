//! The JavaScript-facing functions, run in Node and in Chromium by `wasm-pack test`.
#![allow(clippy::unwrap_used, clippy::panic)]
#![cfg(target_arch = "wasm32")]

use js_sys::{Error, Reflect};
use otp_web::{current_code, parse_otpauth_uri, seconds_remaining};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

const RFC_URI: &str =
    "otpauth://totp/ACME:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";

#[wasm_bindgen_test]
fn current_code_matches_rfc6238() {
    assert_eq!(current_code(RFC_URI, 1_234_567_890.0).unwrap(), "89005924");
    assert_eq!(seconds_remaining(RFC_URI, 1_234_567_891.0).unwrap(), 29);
}

#[wasm_bindgen_test]
fn parsed_uris_never_expose_the_secret() {
    let parsed = parse_otpauth_uri(RFC_URI).unwrap();
    assert_eq!(Reflect::get(&parsed, &"account".into()).unwrap(), "jane");
    assert!(!Reflect::has(&parsed, &"secret".into()).unwrap());
}

#[wasm_bindgen_test]
fn errors_are_javascript_errors() {
    let error = parse_otpauth_uri("otpauth://hotp/x?secret=AAAA").unwrap_err();
    let error = error.dyn_into::<Error>().unwrap();
    assert_eq!(
        String::from(error.message()),
        "only otpauth://totp/ URIs are supported"
    );
    assert!(current_code(RFC_URI, 1.5).is_err());
}
