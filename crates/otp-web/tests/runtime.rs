//! Proves where otp-web's WebAssembly tests ran, with the same check as otp-core's: a browser
//! run that silently skipped would fail here.

#[path = "../../otp-core/tests/runtime.rs"]
mod runtime;
