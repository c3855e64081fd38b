//! The browser package: TOTP enrollment helpers compiled to WebAssembly.
//!
//! The QR code of an `otpauth://` URI is drawn here, on the user's device, so the secret it
//! carries never reaches an image service. Errors are thrown as JavaScript `Error`s.

mod qr;

use js_sys::{Error, Object, Reflect};
use otp_core::{Algorithm, Digits, OtpauthUri, Secret};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

pub use qr::{QrError, QrStyle, render_svg};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** An otpauth:// key without its secret. */
export interface OtpauthKey {
  issuer: string | null;
  account: string;
  algorithm: "SHA1" | "SHA256" | "SHA512";
  digits: 6 | 7 | 8;
  period: number;
}

/** What buildOtpauthUri needs; the secret is base32. */
export interface OtpauthParameters {
  issuer?: string;
  account: string;
  secret: string;
  algorithm?: "SHA1" | "SHA256" | "SHA512";
  digits?: 6 | 7 | 8;
  period?: number;
}

/** How renderQrSvg draws; every field is optional. */
export interface QrOptions {
  /** Error correction level, "M" by default. */
  errorCorrection?: "L" | "M" | "Q" | "H";
  /** Light modules around the code, 4 by default (0 to 16). */
  quietZone?: number;
  /** Pixels per module, 4 by default (1 to 64). */
  moduleSize?: number;
  /** Colour of dark modules: #rgb, #rrggbb or a CSS colour name. */
  dark?: string;
  /** Colour of light modules. */
  light?: string;
  /** The accessible name of the image. */
  title?: string;
}
"#;

fn js_error(error: impl core::fmt::Display) -> JsValue {
    Error::new(&error.to_string()).into()
}

fn parse(uri: &str) -> Result<OtpauthUri, JsValue> {
    OtpauthUri::parse(uri).map_err(js_error)
}

// Option bags are read by hand: serde-wasm-bindgen added 18 KB gzip (its error messages
// format floats and escape strings), past the package's 60 KB budget, and its errors do not
// name the field.

/// `object[name]`, or `None` when absent, `undefined` or `null`.
fn field(object: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
    if object.is_undefined() || object.is_null() {
        return Ok(None);
    }
    let value = Reflect::get(object, &name.into())?;
    Ok((!value.is_undefined() && !value.is_null()).then_some(value))
}

fn text_field(object: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    field(object, name)?
        .map(|value| {
            value
                .as_string()
                .ok_or_else(|| js_error(format!("{name} must be a string")))
        })
        .transpose()
}

fn number_field(object: &JsValue, name: &str) -> Result<Option<u32>, JsValue> {
    field(object, name)?
        .map(|value| {
            value
                .as_f64()
                .filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| js_error(format!("{name} must be a whole number")))
        })
        .transpose()
}

#[wasm_bindgen]
extern "C" {
    /// The option bag of `renderQrSvg`, typed as the `QrOptions` interface above: optional, as
    /// every one of its fields is.
    #[wasm_bindgen(typescript_type = "QrOptions")]
    pub type QrOptions;
}

/// Draws the QR code of an `otpauth://totp/` URI as an SVG document string.
/// The URI is checked first, so a typo never turns into a code an app cannot read.
#[wasm_bindgen(js_name = renderQrSvg)]
pub fn render_qr_svg(otpauth_uri: &str, options: Option<QrOptions>) -> Result<String, JsValue> {
    parse(otpauth_uri)?;
    let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
    let defaults = QrStyle::default();
    let style = QrStyle {
        ec_level: match text_field(&options, "errorCorrection")? {
            Some(name) => qr::ec_level(&name)
                .ok_or_else(|| js_error("errorCorrection must be L, M, Q or H"))?,
            None => defaults.ec_level,
        },
        quiet_zone: number_field(&options, "quietZone")?.unwrap_or(defaults.quiet_zone),
        module_size: number_field(&options, "moduleSize")?.unwrap_or(defaults.module_size),
        dark: text_field(&options, "dark")?.unwrap_or(defaults.dark),
        light: text_field(&options, "light")?.unwrap_or(defaults.light),
        title: text_field(&options, "title")?.unwrap_or(defaults.title),
    };
    render_svg(otpauth_uri, &style).map_err(js_error)
}

/// Reads an `otpauth://totp/` URI. The secret is deliberately left out of the result.
#[wasm_bindgen(js_name = parseOtpauthUri, unchecked_return_type = "OtpauthKey")]
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

/// Writes an `otpauth://totp/` URI from its parts.
#[wasm_bindgen(js_name = buildOtpauthUri)]
pub fn build_otpauth_uri(
    #[wasm_bindgen(unchecked_param_type = "OtpauthParameters")] parameters: JsValue,
) -> Result<String, JsValue> {
    let account =
        text_field(&parameters, "account")?.ok_or_else(|| js_error("account is required"))?;
    let secret =
        text_field(&parameters, "secret")?.ok_or_else(|| js_error("secret is required"))?;
    let secret = Secret::from_base32(&Zeroizing::new(secret)).map_err(js_error)?;
    let issuer = text_field(&parameters, "issuer")?;
    let algorithm = match text_field(&parameters, "algorithm")? {
        Some(name) => name.parse::<Algorithm>().map_err(js_error)?,
        None => Algorithm::default(),
    };
    let digits = match number_field(&parameters, "digits")? {
        Some(count) => Digits::try_from(count).map_err(js_error)?,
        None => Digits::default(),
    };
    let period = number_field(&parameters, "period")?.map_or(30, u64::from);
    let uri = OtpauthUri::new(issuer.as_deref(), &account, secret)
        .and_then(|uri| uri.with_parameters(algorithm, digits, period))
        .map_err(js_error)?;
    Ok(uri.to_uri().to_string())
}

/// The code an authenticator shows for `uri` at `unixSeconds`, for a preview.
#[wasm_bindgen(js_name = currentCode)]
pub fn current_code(uri: &str, unix_seconds: f64) -> Result<String, JsValue> {
    Totp::new(uri)?.code(unix_seconds)
}

/// Seconds until the code shown for `uri` at `unixSeconds` changes.
#[wasm_bindgen(js_name = secondsRemaining)]
pub fn seconds_remaining(uri: &str, unix_seconds: f64) -> Result<u32, JsValue> {
    Totp::new(uri)?.seconds_remaining(unix_seconds)
}

/// JavaScript time is a double; accept whole, non-negative seconds. `Date.now()` counts
/// milliseconds: passed as is, it would silently give the code of a step 55,000 years away, so
/// a time past the year 5138 (1e11 seconds) is refused as what it almost surely is.
fn unix_time(seconds: f64) -> Result<u64, JsValue> {
    const MILLISECONDS_FROM: f64 = 100_000_000_000.0;
    if seconds >= MILLISECONDS_FROM {
        return Err(js_error(
            "unixSeconds looks like milliseconds (Date.now()): pass Math.floor(Date.now() / 1000)",
        ));
    }
    // NaN is neither in the range nor whole.
    if !(0.0..MILLISECONDS_FROM).contains(&seconds) || seconds.fract() != 0.0 {
        return Err(js_error(
            "unixSeconds must be a whole, non-negative number of seconds",
        ));
    }
    Ok(seconds as u64)
}

/// A TOTP key parsed once, for pages that show or check many codes (the secret stays inside
/// the WebAssembly instance).
#[wasm_bindgen]
pub struct Totp {
    inner: otp_core::Totp,
}

#[wasm_bindgen]
impl Totp {
    /// Reads an `otpauth://totp/` URI.
    #[wasm_bindgen(constructor)]
    pub fn new(otpauth_uri: &str) -> Result<Totp, JsValue> {
        let inner = parse(otpauth_uri)?.totp().map_err(js_error)?;
        Ok(Self { inner })
    }

    /// The code at `unixSeconds`.
    pub fn code(&self, unix_seconds: f64) -> Result<String, JsValue> {
        Ok(self
            .inner
            .generate(unix_time(unix_seconds)?)
            .as_str()
            .to_owned())
    }

    /// Seconds until the code at `unixSeconds` changes.
    #[wasm_bindgen(js_name = secondsRemaining)]
    pub fn seconds_remaining(&self, unix_seconds: f64) -> Result<u32, JsValue> {
        u32::try_from(self.inner.seconds_remaining(unix_time(unix_seconds)?)).map_err(js_error)
    }

    /// The time step `code` matches within `window` steps either side of `unixSeconds`, or
    /// `undefined`. A server must also refuse steps it has accepted before.
    pub fn verify(
        &self,
        code: &str,
        unix_seconds: f64,
        window: u8,
    ) -> Result<Option<f64>, JsValue> {
        let now = unix_time(unix_seconds)?;
        let step = self
            .inner
            .verify(code, now, otp_core::Window::symmetric(window));
        Ok(step.ok().map(|step| step as f64))
    }
}
