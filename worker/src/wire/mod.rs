//! What goes on the wire, for the fetch entry and the organization objects alike: the typed
//! bodies of answers, the failures in their one error shape, and the headers of both.

pub mod answers;
pub mod basic;
pub mod input;
pub mod problem;
pub mod respond;

#[cfg(test)]
mod tests;
