//! Webhooks as the Standard Webhooks specification writes them (standardwebhooks.com): the
//! events an organization's endpoints may subscribe to, the signature of each request
//! (`webhook-signature: v1,<base64 HMAC-SHA-256 of "id.timestamp.body">` under the endpoint's
//! `whsec_` secret), the retry schedule, and which URLs an endpoint may have. Pure: no clock,
//! no I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::error::{Error, Result};

/// Endpoints an organization may register.
pub const MAX_ENDPOINTS: usize = 10;

/// Bytes of a signing secret (256 bits).
pub const SECRET_BYTES: usize = 32;

/// After a rotation, the previous secret signs too for this long, so receivers can switch.
pub const ROTATION_OVERLAP: u64 = 24 * 60 * 60;

/// Messages and their delivery attempts are kept this long, for the delivery list and retries.
pub const KEEP_DELIVERIES: u64 = 7 * 24 * 60 * 60;

/// Attempts of one message (the first and five retries) before it goes to the dead-letter
/// queue.
pub const MAX_ATTEMPTS: u32 = 6;

/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: u32 = 60 * 60;

/// The longest URL an endpoint may have.
pub const MAX_URL: usize = 2048;

macro_rules! event_types {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// What an endpoint may subscribe to. Payloads carry ids, the type, the time and counts:
        /// never a secret, a code, a token or a profile field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum EventType {
            $(
                #[doc = $doc]
                #[serde(rename = $name)]
                #[cfg_attr(feature = "openapi", schema(rename = $name))]
                $variant,
            )*
        }

        impl EventType {
            /// Every event type, in the order documented.
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            /// The name on the wire, e.g. `user.locked`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// Parses a name on the wire.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    FactorEnrolled => "factor.enrolled", "A factor was enrolled (pending its first code) or imported.";
    FactorActivated => "factor.activated", "A factor's first code was accepted.";
    FactorRemoved => "factor.removed", "A factor (or all of a user's) was removed.";
    FactorRenamed => "factor.renamed", "A factor was renamed.";
    UserLocked => "user.locked", "Failed attempts reached a backoff (until) or the hard lock.";
    UserDeleted => "user.deleted", "A user was deleted.";
    RecoveryCodeUsed => "recovery_code.used", "A recovery code was spent.";
    RecoveryCodesLow => "recovery_codes.low", "A recovery code was spent and one is left.";
    RecoveryCodesRegenerated => "recovery_codes.regenerated", "A new set of recovery codes replaced the old one.";
    ConnectionUpdated => "connection.updated", "The TOTP connection changed.";
    MfaPolicyUpdated => "mfa_policy.updated", "The MFA policy (enforcement, grace period) changed.";
    TrustedDeviceCreated => "trusted_device.created", "A device was remembered.";
    TrustedDevicesRevoked => "trusted_devices.revoked", "Trusted devices were revoked through the API.";
}

/// A new signing secret: its bytes and the `whsec_` form shown to the integrator once.
pub fn new_secret() -> Result<(Vec<u8>, String)> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(Error::internal)?;
    let shown = format!("whsec_{}", STANDARD.encode(&bytes));
    Ok((bytes, shown))
}

/// One signature of `body`, sent as message `id` at Unix second `timestamp`, under `secret`.
#[allow(clippy::expect_used)] // HMAC accepts keys of every length (RFC 2104, section 2).
pub fn signature(secret: &[u8], id: &str, timestamp: u64, body: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret)
        .expect("HMAC accepts any key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The seconds to wait after failed attempt `attempt` (from 1): `base` doubling, at most
/// [`MAX_RETRY_DELAY`].
pub fn retry_delay(attempt: u32, base: u32) -> u32 {
    let doubled = 1u32
        .checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX);
    base.saturating_mul(doubled).min(MAX_RETRY_DELAY)
}

/// An endpoint's URL, checked: `https://` and a host name (letters, digits, dots and hyphens;
/// an internationalized name in its `xn--` form) or an IP address, an optional port and path,
/// no user or password, no white space. `http://` only to this machine (`localhost`,
/// `127.0.0.1`, `[::1]`) and only where `loopback_http` (local and test builds); a loopback
/// host never with https outside them either.
pub fn check_url(url: &str, loopback_http: bool) -> Result<String> {
    let invalid = |message: &str| Error::invalid("url", message.to_owned());
    let url = url.trim();
    if url.len() > MAX_URL {
        return Err(invalid(&format!("must be at most {MAX_URL} characters")));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(invalid(
            "must be ASCII without white space (percent-encode the rest)",
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("must be an https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("must not hold a user or password"));
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let port = authority
        .rsplit_once("]:")
        .map(|(_, port)| port)
        .or_else(|| {
            (!authority.starts_with('[')).then(|| authority.split_once(':').map(|(_, p)| p))?
        });
    if port.is_some_and(|port| port.parse::<u16>().map_or(true, |port| port == 0)) {
        return Err(invalid("has an invalid port"));
    }
    let loopback = matches!(
        host.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1"
    );
    let name_ok = !host.is_empty()
        && host.len() <= 253
        && (host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }) || host == "::1");
    if !name_ok {
        return Err(invalid("must name a host"));
    }
    match (
        scheme.to_ascii_lowercase().as_str(),
        loopback,
        loopback_http,
    ) {
        ("https", false, _) => {}
        ("http" | "https", true, true) => {}
        (_, true, false) => {
            return Err(invalid("must not point at this machine"));
        }
        ("http", false, _) => {
            return Err(invalid(
                "must be an https:// URL (http:// only to this machine, in local builds)",
            ));
        }
        _ => return Err(invalid("must be an https:// URL")),
    }
    Ok(url.to_owned())
}

/// Unix second `time` as RFC 3339 in UTC (`2026-12-05T12:00:00Z`), for payloads.
pub fn rfc3339(time: u64) -> String {
    let days = time / 86_400;
    let seconds = time % 86_400;
    // Howard Hinnant's days-to-civil, for the proleptic Gregorian calendar.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests;
