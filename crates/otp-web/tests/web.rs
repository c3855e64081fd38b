//! The JavaScript-facing functions, run in Node and in Chromium by `wasm-pack test`.
#![allow(clippy::unwrap_used, clippy::panic)]
#![cfg(target_arch = "wasm32")]

use js_sys::{Error, Reflect};
use otp_web::{current_code, parse_otpauth_uri, seconds_remaining};
use wasm_bindgen::{JsCast, JsValue};
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

#[wasm_bindgen_test]
fn milliseconds_are_refused_not_read_as_seconds() {
    let error = current_code(RFC_URI, 1_764_900_000_000.0).unwrap_err();
    let message = String::from(error.dyn_into::<Error>().unwrap().message());
    assert!(message.contains("milliseconds"), "{message}");
    assert!(seconds_remaining(RFC_URI, 1_764_900_000_000.0).is_err());
    // The largest time that is still seconds (the year 5138) is read.
    assert!(current_code(RFC_URI, 99_999_999_999.0).is_ok());
    assert!(current_code(RFC_URI, -1.0).is_err());
    assert!(current_code(RFC_URI, f64::NAN).is_err());
}

#[wasm_bindgen_test]
fn render_qr_svg_reads_options_from_javascript() {
    let options = js_sys::Object::new();
    Reflect::set(&options, &"moduleSize".into(), &2.into()).unwrap();
    Reflect::set(&options, &"title".into(), &"Scan me".into()).unwrap();
    let svg = otp_web::render_qr_svg(RFC_URI, Some(options.unchecked_into())).unwrap();
    assert!(svg.contains("<title id=\"qr-title\">Scan me</title>"));
    let default = otp_web::render_qr_svg(RFC_URI, None).unwrap();
    assert!(default.contains("fill=\"#000000\""));
    let undefined =
        otp_web::render_qr_svg(RFC_URI, Some(JsValue::UNDEFINED.unchecked_into())).unwrap();
    assert_eq!(undefined, default);
    let bad = js_sys::Object::new();
    Reflect::set(&bad, &"errorCorrection".into(), &"X".into()).unwrap();
    assert!(otp_web::render_qr_svg(RFC_URI, Some(bad.unchecked_into())).is_err());
    assert!(otp_web::render_qr_svg("not a uri", None).is_err());
}

#[wasm_bindgen_test]
fn build_otpauth_uri_round_trips_through_parse() {
    let parameters = js_sys::Object::new();
    for (name, value) in [
        ("issuer", "ACME"),
        ("account", "jane"),
        ("secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
    ] {
        Reflect::set(&parameters, &name.into(), &value.into()).unwrap();
    }
    Reflect::set(&parameters, &"digits".into(), &8.into()).unwrap();
    let uri = otp_web::build_otpauth_uri(parameters.into()).unwrap();
    assert_eq!(uri, RFC_URI);
    assert_eq!(current_code(&uri, 59.0).unwrap(), "94287082");
}

#[wasm_bindgen_test]
fn the_totp_class_generates_and_verifies() {
    let totp = otp_web::Totp::new(RFC_URI).unwrap();
    assert_eq!(totp.code(59.0).unwrap(), "94287082");
    assert_eq!(totp.verify("94287082", 75.0, 1).unwrap(), Some(1.0));
    assert_eq!(totp.verify("94287083", 75.0, 1).unwrap(), None);
    assert!(otp_web::Totp::new("otpauth://totp/x").is_err());
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &(*name).into(), value).unwrap();
    }
    object.into()
}

fn message(result: Result<String, JsValue>) -> String {
    result
        .unwrap_err()
        .dyn_into::<Error>()
        .unwrap()
        .message()
        .into()
}

#[wasm_bindgen_test]
fn option_bags_name_the_field_of_the_wrong_type_and_skip_null() {
    let parameters = |digits: JsValue| {
        object(&[
            ("issuer", JsValue::NULL),
            ("account", "jane".into()),
            ("secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into()),
            ("digits", digits),
        ])
    };
    let built = otp_web::build_otpauth_uri(parameters(JsValue::UNDEFINED));
    assert_eq!(
        built.unwrap(),
        "otpauth://totp/jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    );
    assert_eq!(
        message(otp_web::build_otpauth_uri(parameters("8".into()))),
        "digits must be a whole number"
    );
    assert_eq!(
        message(otp_web::build_otpauth_uri(parameters(9.into()))),
        "digits must be 6, 7 or 8"
    );
    let options = object(&[("quietZone", 1.5.into()), ("title", 5.into())]);
    assert_eq!(
        message(otp_web::render_qr_svg(
            RFC_URI,
            Some(options.unchecked_into())
        )),
        "quietZone must be a whole number"
    );
    let options = object(&[("quietZone", JsValue::NULL), ("title", 5.into())]);
    assert_eq!(
        message(otp_web::render_qr_svg(
            RFC_URI,
            Some(options.unchecked_into())
        )),
        "title must be a string"
    );
}
