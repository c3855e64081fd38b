//! Schemas the derived ones cannot say: values that are always the same (`const`), and the
//! export's tables as stored. Built only for the Worker's native generation of its OpenAPI
//! document (feature `openapi`).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// A schema written as JSON; generation stops if utoipa cannot hold all of it.
#[allow(clippy::expect_used, clippy::panic)] // generation time only: a bug here, not input
fn declared(value: serde_json::Value) -> RefOr<Schema> {
    let schema: RefOr<Schema> =
        serde_json::from_value(value.clone()).expect("a schema utoipa can hold");
    let held = serde_json::to_value(&schema).expect("a schema serializes");
    assert!(held == value, "utoipa dropped part of {value}");
    schema
}

/// `token_type`: always `Bearer`.
pub fn bearer() -> RefOr<Schema> {
    declared(serde_json::json!({ "type": "string", "enum": ["Bearer"] }))
}

/// A new enrollment's status: always `pending`.
pub fn pending() -> RefOr<Schema> {
    declared(serde_json::json!({ "type": "string", "enum": ["pending"] }))
}

/// A flag present only when true.
pub fn always_true() -> RefOr<Schema> {
    declared(serde_json::json!({ "type": "boolean", "enum": [true] }))
}

/// What became of an imported entry.
pub fn import_status() -> RefOr<Schema> {
    declared(serde_json::json!({ "type": "string", "enum": ["imported", "error"] }))
}

/// Rows of each table as stored (binary values in base64).
pub fn tables() -> RefOr<Schema> {
    declared(serde_json::json!({
        "type": "object",
        "additionalProperties": { "type": "array", "items": { "type": "object" } }
    }))
}
