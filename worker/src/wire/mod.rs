//! What goes on the wire, for the fetch entry and the organization objects alike: the typed
//! bodies of answers, the failures in their one error shape, and the headers of both.

pub mod answers;
pub mod basic;
pub mod input;
pub mod problem;
pub mod respond;

/// The header that names a request: in every answer, for a client to quote to support, and
/// from the Worker into its object's log lines.
pub const REQUEST_ID: &str = "x-request-id";

#[cfg(test)]
mod tests;
