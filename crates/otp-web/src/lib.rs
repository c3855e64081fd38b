//! The browser package: TOTP helpers for an enrollment page, compiled to WebAssembly.
//!
//! Everything runs on the user's device; the secret inside an `otpauth://` URI never leaves it.

use js_sys::{Error, Object, Reflect};
use otp_core::OtpauthUri;
use wasm_bindgen::prelude::*;

fn js_error(error: impl core::fmt::Display) -> JsValue {
    Error::new(&error.to_string()).into()
}

fn parse(uri: &str) -> Result<OtpauthUri, JsValue> {
    OtpauthUri::parse(uri).map_err(js_error)
}

/// Reads an `otpauth://totp/` URI into `{ issuer, account, algorithm, digits, period }`.
/// The secret is deliberately left out of the returned object.
#[wasm_bindgen(js_name = parseOtpauthUri)]
pub fn parse_otpauth_uri(uri: &str) -> Result<Object, JsValue> {
    let parsed = parse(uri)?;
    let object = Object::new();
    let issuer = parsed.issuer().map_or(JsValue::NULL, JsValue::from_str);
    Reflect::set(&object, &"issuer".into(), &issuer)?;
    Reflect::set(&object, &"account".into(), &parsed.account().into())?;
    Reflect::set(
        &object,
        &"algorithm".into(),
        &parsed.algorithm().as_str().into(),
    )?;
    Reflect::set(
        &object,
        &"digits".into(),
        &(parsed.digits().count() as u32).into(),
    )?;
    Reflect::set(&object, &"period".into(), &(parsed.period() as f64).into())?;
    Ok(object)
}

/// The code an authenticator shows for `uri` at `unixSeconds`, for a preview.
#[wasm_bindgen(js_name = currentCode)]
pub fn current_code(uri: &str, unix_seconds: f64) -> Result<String, JsValue> {
    let totp = parse(uri)?.totp().map_err(js_error)?;
    Ok(totp.generate(unix_time(unix_seconds)?).as_str().to_owned())
}

/// Seconds until the code shown for `uri` at `unixSeconds` changes.
#[wasm_bindgen(js_name = secondsRemaining)]
pub fn seconds_remaining(uri: &str, unix_seconds: f64) -> Result<u32, JsValue> {
    let totp = parse(uri)?.totp().map_err(js_error)?;
    let remaining = totp.seconds_remaining(unix_time(unix_seconds)?);
    u32::try_from(remaining).map_err(js_error)
}

/// JavaScript time is a double; accept whole, non-negative seconds within `Number.MAX_SAFE_INTEGER`.
fn unix_time(seconds: f64) -> Result<u64, JsValue> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if !(0.0..=MAX_SAFE_INTEGER).contains(&seconds) || seconds.fract() != 0.0 {
        return Err(js_error(
            "unixSeconds must be a whole, non-negative number of seconds",
        ));
    }
    Ok(seconds as u64)
}
