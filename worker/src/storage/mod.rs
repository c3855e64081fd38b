//! Implementations of [`crate::domain::store::Store`]: D1 for the Worker, memory for tests.

#[cfg(target_arch = "wasm32")]
pub mod d1;
pub mod memory;
