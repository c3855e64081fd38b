//! A request body in the three media types the server reads: JSON as the request type says
//! (made lenient), and the same fields as `application/x-www-form-urlencoded` and
//! `multipart/form-data`, named as on the wire (`profile[email]`, `email_domains[]`).

use serde_json::{Map, Value, json};

use super::{Registry, lenient};

/// The whole rule is said once, in the document's description.
const FORM: &str = "Form fields named as on the wire (see the document's description).";

const MULTIPART: &str =
    "A part named with nothing, with a NUL, or with a final backslash is refused (400).";

/// The request body of the JSON schema `reference` points to (registered as derived): a form
/// and a multipart schema are derived from it, then it is made lenient.
pub fn request_body(reference: Value, required: bool, registry: &mut Registry) -> Value {
    let Some(name) = reference["$ref"]
        .as_str()
        .and_then(|location| location.rsplit('/').next())
        .map(str::to_owned)
    else {
        return Value::Null;
    };
    let derived = registry.0.get(&name).cloned().unwrap_or(Value::Null);
    let mut content = Map::new();
    let mut json_schema = derived.clone();
    lenient::request(&mut json_schema);
    registry.0.insert(name.clone(), json_schema);
    content.insert("application/json".into(), json!({ "schema": reference }));
    // An import's entries are objects or pairs: only JSON can say them.
    if !name.starts_with("Import") {
        let base = name.trim_end_matches("Request");
        let form = registry.add_json(&format!("{base}Form"), form(&derived));
        // The same fields, and part names the server refuses.
        let multipart = json!({
            "allOf": [form, { "patternProperties": { "^$|\\u0000|\\\\$": false } }],
            "description": MULTIPART,
        });
        let multipart = registry.add_json(&format!("{base}Multipart"), multipart);
        content.insert(
            "application/x-www-form-urlencoded".into(),
            json!({ "schema": form }),
        );
        content.insert("multipart/form-data".into(), json!({ "schema": multipart }));
    }
    json!({ "required": required, "content": content })
}

fn join(description: &Value, more: &str) -> String {
    match description.as_str() {
        Some(text) if !text.is_empty() => format!("{text} {more}"),
        _ => more.to_owned(),
    }
}

/// The fields of `schema` as form fields: every value is text, a nested field is named
/// `outer[inner]`, a list `name[]` (one field per item, and one field is a list of one).
fn form(schema: &Value) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let required_here = |name: &str| {
        schema["required"]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == name))
    };
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        let field = present(field);
        if let Some(inner) = field["properties"].as_object() {
            for (inner_name, inner_field) in inner {
                let wire = format!("{name}[{inner_name}]");
                let inner_required = field["required"]
                    .as_array()
                    .is_some_and(|names| names.iter().any(|n| n == inner_name));
                if required_here(name) && inner_required {
                    required.push(json!(wire));
                }
                properties.insert(wire, text(present(inner_field)));
            }
            continue;
        }
        if field["type"] == json!(["array", "null"]) || field["type"] == json!("array") {
            let description = field.get("description").cloned();
            let mut list = field.clone();
            list["type"] = json!("array");
            list.as_object_mut().map(|map| map.remove("description"));
            let item = list["items"].clone();
            let mut both = json!({ "anyOf": [list, item] });
            let more = "One field each (one field is a list of one).";
            both["description"] = json!(join(description.as_ref().unwrap_or(&Value::Null), more));
            properties.insert(format!("{name}[]"), both);
            continue;
        }
        if required_here(name) {
            required.push(json!(name));
        }
        properties.insert(name.clone(), text(field));
    }
    let mut form = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        form["required"] = Value::Array(required);
    }
    form["description"] = json!(join(&schema["description"], FORM));
    form
}

/// The value of an optional field when present: `oneOf [X, null]` is X.
fn present(field: &Value) -> Value {
    let Some(choices) = field["oneOf"].as_array() else {
        return field.clone();
    };
    let mut inner = choices
        .iter()
        .find(|choice| choice["type"] != json!("null"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(description) = field.get("description") {
        inner["description"] = description.clone();
    }
    inner
}

/// Free text in a form is a string; other scalars are as they are.
fn text(field: Value) -> Value {
    if field["$ref"] == json!("#/components/schemas/Text") {
        let mut string = json!({ "type": "string" });
        if let Some(description) = field.get("description") {
            string["description"] = description.clone();
        }
        return string;
    }
    field
}
