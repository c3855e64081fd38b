//! The headless TOTP service as a Cloudflare Worker, in three rings: `http` (routes, parsing,
//! errors), `domain` (the rules, free of `worker::*`) and `storage` (D1, and memory for tests).

pub mod domain;
#[cfg(target_arch = "wasm32")]
mod http;
pub mod storage;
