//! What goes on the wire, for the fetch entry and the organization objects alike: the JSON
//! bodies of records and the one error shape.

pub mod bodies;
pub mod respond;
