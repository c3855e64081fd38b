//! The committed document is the generated one.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::{Audience, document as document_for};

/// The integrators' document.
fn document() -> serde_json::Value {
    document_for(Audience::Integrators)
}

#[test]
fn the_committed_documents_are_the_generated_ones() {
    for audience in Audience::ALL {
        let generated = serde_json::to_string_pretty(&document_for(audience)).unwrap() + "\n";
        let path = format!("{}/{}", env!("CARGO_MANIFEST_DIR"), audience.file());
        if std::env::var_os("OPENAPI_WRITE").is_some() {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            generated == committed,
            "worker/{} is not what the operation table and the types generate: run `make openapi`",
            audience.file()
        );
    }
}

#[test]
fn the_operator_routes_are_in_their_own_document_and_only_there() {
    let paths = |audience| {
        document_for(audience)["paths"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    let integrators = paths(Audience::Integrators);
    let operators = paths(Audience::Operators);
    assert!(integrators.iter().all(|path| !path.starts_with("/admin")));
    assert!(
        operators
            .iter()
            .all(|path| path.starts_with("/admin") || path == "/openapi-admin.json")
    );
    assert!(
        operators.len() >= 8 && integrators.len() >= 15,
        "the scan sees both"
    );
}

#[test]
fn every_reference_resolves_to_a_schema_of_the_document() {
    for audience in Audience::ALL {
        references_resolve(&document_for(audience));
    }
}

fn references_resolve(document: &serde_json::Value) {
    let operations: Vec<&serde_json::Value> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|methods| methods.as_object().unwrap().values())
        .collect();
    let ids: Vec<&str> = operations
        .iter()
        .map(|operation| operation["operationId"].as_str().unwrap())
        .collect();
    for operation in &operations {
        for response in operation["responses"].as_object().unwrap().values() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = link["operationId"].as_str().unwrap();
                assert!(
                    ids.contains(&target),
                    "link {name} leads out of its document to {target}"
                );
            }
        }
    }
    let text = document.to_string();
    let references: Vec<&str> = text
        .split("\"$ref\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(references.len() > 10, "the scan sees the references");
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

#[test]
fn every_operation_says_what_it_does_for_a_generated_client() {
    for audience in Audience::ALL {
        let document = document_for(audience);
        for (path, methods) in document["paths"].as_object().unwrap() {
            for (method, operation) in methods.as_object().unwrap() {
                for field in ["summary", "description"] {
                    let text = operation[field].as_str().unwrap_or_default();
                    assert!(!text.trim().is_empty(), "{method} {path}: no {field}");
                }
                assert_eq!(
                    operation["tags"].as_array().map(Vec::len),
                    Some(1),
                    "{method} {path}"
                );
            }
        }
    }
}
