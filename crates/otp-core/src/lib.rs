//! One-time passwords for second-factor authentication.
//!
//! HOTP ([RFC 4226]) and TOTP ([RFC 6238]) with SHA-1, SHA-256 and SHA-512, base32 secrets
//! ([RFC 4648]) and `otpauth://` URIs (Google's Key URI Format).
//!
//! The crate is `no_std` and pure: it never reads a clock and does no I/O. Time is passed in as
//! Unix seconds, so the same code runs natively, in a Cloudflare Worker and in a browser.
//!
//! ```
//! use otp_core::{Algorithm, Digits, Secret, Totp, Window};
//!
//! let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
//! let totp = Totp::new(&secret, Algorithm::Sha1, Digits::Eight, 30)?;
//! assert_eq!(totp.generate(59).as_str(), "94287082");
//!
//! // Verification returns the matched time step, which the caller stores to refuse replays.
//! let step = totp.verify("94287082", 75, Window::symmetric(1))?;
//! assert_eq!(step, 1);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! [RFC 4226]: https://www.rfc-editor.org/rfc/rfc4226
//! [RFC 6238]: https://www.rfc-editor.org/rfc/rfc6238
//! [RFC 4648]: https://www.rfc-editor.org/rfc/rfc4648
#![no_std]

extern crate alloc;

pub mod base32;
mod hotp;
mod params;
pub mod recovery;
mod secret;
mod totp;
pub mod uri;

pub use hotp::{Code, hotp};
pub use params::{Algorithm, Digits, ParamError};
pub use secret::{Secret, SecretError};
pub use totp::{Totp, VerifyError, Window};
pub use uri::{OtpauthUri, UriError};
