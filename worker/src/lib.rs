//! The headless TOTP service as a Cloudflare Worker. The rules live in the `totp-domain`
//! crate, which cannot name `worker::*`; this crate only connects them to the platform:
//!
//! - `http`: the fetch entry, routes, input, authentication and the one error shape;
//! - `control`: the control plane in D1 (accounts, API keys, the organization directory)
//!   read through per-isolate caches of bounded age;
//! - `org_object`: the per-organization Durable Object, running the domain over its own
//!   SQLite storage;
//! - `wire` (JSON bodies, the error shape) and `secrets` (the Worker's keys), used by both.
//!
//! A tenant request walks down once: http → (cache) → one organization object → back.

#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(all(target_arch = "wasm32", feature = "storage-contract"))]
mod contract;
#[cfg(target_arch = "wasm32")]
mod control;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
mod org_object;
#[cfg(target_arch = "wasm32")]
mod secrets;
#[cfg(target_arch = "wasm32")]
mod wire;
