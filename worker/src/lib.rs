//! The headless TOTP service as a Cloudflare Worker. The rules live in the `totp-domain`
//! crate, which cannot name `worker::*`; this crate only connects them to the platform:
//!
//! - `api`: the operation table, each operation declared once (method, path, name, body
//!   limit, idempotency, what serves it);
//! - `http`: the fetch entry, input, authentication and the one error shape;
//! - `control`: the control plane in D1 (accounts, API keys, the organization directory)
//!   read through per-isolate caches of bounded age;
//! - `org_object`: the per-organization Durable Object, running the domain over its own
//!   SQLite storage;
//! - `wire` (JSON bodies, the error shape) and `secrets` (the Worker's keys), used by both.
//!
//! A tenant request walks down once: http → (cache) → one organization object → back.

// Every module compiles natively too (the runtime's calls are stubs there), so the pure parts
// are unit-tested and mutation-tested without workerd: routes, input, commands, the error
// mapping, answers.
mod api;
mod clock;
#[cfg(feature = "storage-contract")]
mod contract;
mod control;
mod http;
mod org_object;
mod secrets;
mod webhooks;
mod wire;
