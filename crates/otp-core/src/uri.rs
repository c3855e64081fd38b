//! `otpauth://totp/` URIs in Google's Key URI Format, the payload of enrollment QR codes.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use crate::{Algorithm, Digits, ParamError, Secret, SecretError, Totp};

/// Everything but RFC 3986's unreserved characters is percent-encoded, spaces as `%20`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Longer URIs are refused before any parsing; real ones are a few hundred bytes.
pub const MAX_URI_LEN: usize = 2048;

const DEFAULT_PERIOD: u64 = 30;

/// A TOTP key as carried by an `otpauth://totp/` URI.
///
/// ```
/// use otp_core::{OtpauthUri, Secret};
///
/// let secret = Secret::from_base32("JBSWY3DPEHPK3PXP")?;
/// let uri = OtpauthUri::new(Some("ACME Co"), "jane@example.com", secret)?;
/// assert_eq!(
///     uri.to_uri().as_str(),
///     "otpauth://totp/ACME%20Co:jane%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co",
/// );
/// assert_eq!(OtpauthUri::parse(&uri.to_uri())?, uri);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtpauthUri {
    issuer: Option<String>,
    account: String,
    secret: Secret,
    algorithm: Algorithm,
    digits: Digits,
    period: u64,
}

impl OtpauthUri {
    /// A URI with the default parameters (SHA1, 6 digits, 30 seconds).
    ///
    /// The label `Issuer:account` is split at its first colon, so the issuer may not contain
    /// one, nor may the account when there is no issuer. The account name may not be empty.
    pub fn new(issuer: Option<&str>, account: &str, secret: Secret) -> Result<Self, UriError> {
        let issuer = issuer.filter(|issuer| !issuer.is_empty());
        if issuer.unwrap_or(account).contains(':') {
            return Err(UriError::AmbiguousLabel);
        }
        if account.is_empty() {
            return Err(UriError::MissingAccount);
        }
        Ok(Self {
            issuer: issuer.map(ToString::to_string),
            account: account.to_string(),
            secret,
            algorithm: Algorithm::default(),
            digits: Digits::default(),
            period: DEFAULT_PERIOD,
        })
    }

    /// The same URI with other TOTP parameters.
    pub fn with_parameters(
        self,
        algorithm: Algorithm,
        digits: Digits,
        period: u64,
    ) -> Result<Self, UriError> {
        if period == 0 {
            return Err(UriError::Period);
        }
        Ok(Self {
            algorithm,
            digits,
            period,
            ..self
        })
    }

    /// The service the key belongs to, if named.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The user's account name, e.g. an email address.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The shared secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The hash function.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The number of digits of a code.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// Seconds per time step.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// A generator and verifier for this key.
    pub fn totp(&self) -> Result<Totp, ParamError> {
        Totp::new(&self.secret, self.algorithm, self.digits, self.period)
    }

    /// Writes the URI: label `Issuer:account`, the unpadded secret, the issuer parameter, and
    /// algorithm, digits and period only where they differ from the defaults.
    pub fn to_uri(&self) -> Zeroizing<String> {
        let account = utf8_percent_encode(&self.account, COMPONENT);
        let secret = self.secret.to_base32();
        let mut uri = Zeroizing::new(match &self.issuer {
            Some(issuer) => {
                let issuer = utf8_percent_encode(issuer, COMPONENT);
                format!(
                    "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}",
                    *secret
                )
            }
            None => format!("otpauth://totp/{account}?secret={}", *secret),
        });
        if self.algorithm != Algorithm::default() {
            uri.push_str("&algorithm=");
            uri.push_str(self.algorithm.as_str());
        }
        if self.digits != Digits::default() {
            uri.push_str(&format!("&digits={}", self.digits.count()));
        }
        if self.period != DEFAULT_PERIOD {
            uri.push_str(&format!("&period={}", self.period));
        }
        uri
    }

    /// Reads an `otpauth://totp/` URI, tolerating what common apps and providers emit: any case
    /// in the scheme, type, parameter names and secret; padded secrets; `+` for spaces in
    /// parameters; a literal or encoded colon in the label; `SHA-256`; unknown parameters such as
    /// `image`. The `issuer` parameter wins over the label's prefix.
    pub fn parse(uri: &str) -> Result<Self, UriError> {
        if uri.len() > MAX_URI_LEN {
            return Err(UriError::TooLong);
        }
        let rest = strip_prefix_ignore_case(uri, "otpauth://").ok_or(UriError::Scheme)?;
        let (kind, rest) = rest.split_once('/').ok_or(UriError::Scheme)?;
        if !kind.eq_ignore_ascii_case("totp") {
            return Err(UriError::UnsupportedType);
        }
        let rest = rest
            .split_once('#')
            .map_or(rest, |(before, _fragment)| before);
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (label_issuer, account) = split_label(label)?;

        let mut parameters = Parameters::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            parameters.set(name, value)?;
        }

        let secret = parameters.secret.ok_or(UriError::MissingSecret)?;
        let secret = Secret::from_base32(&decode(secret, true)?).map_err(UriError::Secret)?;
        let issuer = match parameters.issuer {
            Some(issuer) => Some(decode(issuer, true)?.into_owned()),
            None => label_issuer,
        };
        let algorithm = match parameters.algorithm {
            Some(name) => name.parse().map_err(|_| UriError::Algorithm)?,
            None => Algorithm::default(),
        };
        let digits = match parameters.digits {
            Some(count) => count
                .parse::<u32>()
                .ok()
                .and_then(|count| Digits::try_from(count).ok())
                .ok_or(UriError::Digits)?,
            None => Digits::default(),
        };
        let period = match parameters.period {
            Some(seconds) => seconds
                .parse::<u64>()
                .ok()
                .filter(|&seconds| seconds > 0)
                .ok_or(UriError::Period)?,
            None => DEFAULT_PERIOD,
        };
        Ok(Self {
            issuer: issuer.filter(|issuer| !issuer.is_empty()),
            account,
            secret,
            algorithm,
            digits,
            period,
        })
    }
}

/// The raw values of the parameters this crate reads; others are ignored.
#[derive(Default)]
struct Parameters<'a> {
    secret: Option<&'a str>,
    issuer: Option<&'a str>,
    algorithm: Option<&'a str>,
    digits: Option<&'a str>,
    period: Option<&'a str>,
}

impl<'a> Parameters<'a> {
    fn set(&mut self, name: &str, value: &'a str) -> Result<(), UriError> {
        let (slot, name) = match name.to_ascii_lowercase().as_str() {
            "secret" => (&mut self.secret, "secret"),
            "issuer" => (&mut self.issuer, "issuer"),
            "algorithm" => (&mut self.algorithm, "algorithm"),
            "digits" => (&mut self.digits, "digits"),
            "period" => (&mut self.period, "period"),
            _ => return Ok(()),
        };
        if slot.replace(value).is_some() {
            return Err(UriError::DuplicateParameter(name));
        }
        Ok(())
    }
}

/// Splits `Issuer:account` at the first literal or encoded colon, decoding both parts.
fn split_label(label: &str) -> Result<(Option<String>, String), UriError> {
    let literal = label.find(':').map(|at| (at, 1));
    let encoded = find_ignore_case(label, "%3A").map(|at| (at, 3));
    let separator = match (literal, encoded) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let (issuer, account) = match separator {
        Some((at, len)) => {
            let issuer = decode(label.get(..at).unwrap_or_default(), false)?;
            (
                Some(issuer.into_owned()),
                label.get(at + len..).unwrap_or_default(),
            )
        }
        None => (None, label),
    };
    let account = decode(account, false)?.trim_start().to_string();
    if account.is_empty() {
        return Err(UriError::MissingAccount);
    }
    Ok((issuer.filter(|issuer| !issuer.is_empty()), account))
}

/// Percent-decodes to UTF-8; in a query (`plus_is_space`), `+` stands for a space as well.
fn decode(text: &str, plus_is_space: bool) -> Result<Cow<'_, str>, UriError> {
    let text = if plus_is_space && text.contains('+') {
        Cow::Owned(text.replace('+', " "))
    } else {
        Cow::Borrowed(text)
    };
    let decoded = percent_decode_str(&text)
        .decode_utf8()
        .map_err(|_| UriError::Encoding)?;
    Ok(Cow::Owned(decoded.into_owned()))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    text.as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Why an `otpauth://` URI was refused. Never carries any part of the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriError {
    /// Longer than [`MAX_URI_LEN`].
    TooLong,
    /// Not an `otpauth://TYPE/LABEL` URI.
    Scheme,
    /// An `otpauth://` URI of another type than `totp` (e.g. `hotp`).
    UnsupportedType,
    /// The label has no account name.
    MissingAccount,
    /// A colon in the issuer, or in the account when there is no issuer, cannot be told apart
    /// from the label's separator.
    AmbiguousLabel,
    /// No `secret` parameter.
    MissingSecret,
    /// The `secret` parameter is not a usable secret.
    Secret(SecretError),
    /// The `algorithm` parameter is not SHA1, SHA256 or SHA512.
    Algorithm,
    /// The `digits` parameter is not 6, 7 or 8.
    Digits,
    /// The `period` parameter is not a whole number of seconds of at least 1.
    Period,
    /// A parameter appears twice.
    DuplicateParameter(&'static str),
    /// Percent-encoding that does not decode to UTF-8.
    Encoding,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong => write!(f, "the URI is longer than {MAX_URI_LEN} bytes"),
            Self::Scheme => f.write_str("not an otpauth:// URI"),
            Self::UnsupportedType => f.write_str("only otpauth://totp/ URIs are supported"),
            Self::MissingAccount => f.write_str("the label has no account name"),
            Self::AmbiguousLabel => {
                f.write_str("the issuer (or an account without issuer) may not contain a colon")
            }
            Self::MissingSecret => f.write_str("the secret parameter is missing"),
            Self::Secret(error) => write!(f, "secret parameter: {error}"),
            Self::Algorithm => f.write_str("algorithm must be SHA1, SHA256 or SHA512"),
            Self::Digits => f.write_str("digits must be 6, 7 or 8"),
            Self::Period => f.write_str("period must be a whole number of seconds, at least 1"),
            Self::DuplicateParameter(name) => write!(f, "the {name} parameter appears twice"),
            Self::Encoding => f.write_str("invalid percent-encoding"),
        }
    }
}

impl core::error::Error for UriError {}
