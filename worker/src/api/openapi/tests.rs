//! The committed document is the generated one.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::document;

const COMMITTED: &str = include_str!("../../../openapi.json");

#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&document()).unwrap() + "\n";
    if std::env::var_os("OPENAPI_WRITE").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        std::fs::write(path, &generated).unwrap();
        return;
    }
    assert!(
        generated == COMMITTED,
        "worker/openapi.json is not what the operation table and the types generate: run `make openapi`"
    );
}

#[test]
fn every_reference_resolves_to_a_schema_of_the_document() {
    let document = document();
    let text = document.to_string();
    let references: Vec<&str> = text
        .split("\"$ref\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(references.len() > 50, "the scan sees the references");
    for reference in references {
        let pointer = reference.trim_start_matches('#');
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} names nothing in the document"
        );
    }
}

#[test]
fn answers_hold_exactly_their_fields_and_requests_ignore_unknown_ones() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    for name in [
        "User",
        "ValidationResult",
        "Enrollment",
        "Error",
        "UserPage",
    ] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
    }
    // A flattened part (a regeneration's attempt) is merged, not a closed allOf.
    let regenerated = &schemas["RecoveryCodesRegenerated"];
    assert!(regenerated.get("allOf").is_none());
    assert!(regenerated["properties"]["success"].is_object());
    for name in ["EnrollRequest", "EnrollForm", "EnrollMultipart"] {
        assert!(
            schemas[name].get("additionalProperties").is_none(),
            "{name}"
        );
    }
    for entry in schemas["ImportEntry"]["anyOf"].as_array().unwrap() {
        assert!(
            entry.get("additionalProperties").is_none(),
            "an import entry's extra fields"
        );
    }
}

#[test]
fn every_scalar_in_use_has_its_declared_schema() {
    let document = document().to_string();
    assert!(
        !document.contains(super::scalars::STAND_IN),
        "a scalar type is used but missing from scalars::all()"
    );
    assert!(
        document.contains("#/components/schemas/Code\""),
        "the scan sees the scalars"
    );
}
