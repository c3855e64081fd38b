//! What the types cannot say about the server's reading and writing, applied to the derived
//! schemas: a request's text field also takes a JSON number (read as its text), an optional
//! field also takes null (the same as absent), a list also takes one value; an answer holds
//! exactly its fields, flattened ones included.

use serde_json::{Map, Value, json};

const TEXT: &str = "#/components/schemas/Text";

/// The scalars a JSON number may stand for (read as its text), with what that number may be.
fn number_as_text(reference: &str) -> Option<(Value, &'static str)> {
    let any_number = || {
        (
            json!({ "type": "number" }),
            "A JSON number is read as its text.",
        )
    };
    match reference.rsplit('/').next()? {
        "Text" | "PersonName" | "OrganizationName" | "Issuer" | "FriendlyName" | "DeviceName"
        | "DeviceToken" | "WebhookUrl" => Some(any_number()),
        "AccountDomain" => Some((
            json!({ "type": "integer", "minimum": 0, "maximum": u64::MAX }),
            "A JSON number is read as its text (a whole one as its digits, 5.0 as 5), so a whole number is a valid domain.",
        )),
        _ => None,
    }
}

fn sentence(description: &str, more: &str) -> String {
    [description, more]
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The schema of a JSON request as the server reads it.
pub fn request(schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for property in properties.values_mut() {
        *property = field(property.take());
    }
}

/// One field: `oneOf [X, null]` (an `Option`) or `X`.
fn field(mut schema: Value) -> Value {
    let (mut inner, optional) = match schema.get_mut("oneOf").and_then(Value::as_array_mut) {
        Some(choices) => {
            let inner = choices
                .iter()
                .find(|choice| choice.get("type") != Some(&json!("null")))
                .cloned()
                .unwrap_or(Value::Null);
            (inner, true)
        }
        None => (schema, false),
    };
    let description = inner
        .as_object_mut()
        .and_then(|map| map.remove("description"))
        .and_then(|text| text.as_str().map(str::to_owned))
        .unwrap_or_default();
    // An inline object (a nested profile): its own fields are lenient too.
    if inner.get("properties").is_some() {
        request(&mut inner);
        if optional {
            // A value that is not an object holds none of the fields: it changes nothing.
            if let Some(map) = inner.as_object_mut() {
                map.remove("type");
                map.remove("required");
            }
        }
        inner["description"] = json!(description);
        return inner;
    }
    // `Option<Vec<T>>` derives as a nullable array: one value counts as a list of one.
    let types = inner.get("type").cloned();
    if types == Some(json!(["array", "null"])) {
        let mut list = inner.clone();
        list["type"] = json!("array");
        let item = list["items"].clone();
        let more = "One may be sent as a string. null is the same as absent.";
        return json!({
            "anyOf": [list, item, { "type": "null" }],
            "description": sentence(&description, more),
        });
    }
    let reference = inner.get("$ref").and_then(Value::as_str).map(str::to_owned);
    let lenient = reference.as_deref().and_then(number_as_text);
    match (lenient, optional) {
        // Free text: a string, or a number read as its text.
        (Some((_, more)), _) if reference.as_deref() == Some(TEXT) => {
            let types = if optional {
                json!(["string", "number", "null"])
            } else {
                json!(["string", "number"])
            };
            let more = if optional {
                format!("{more} null is the same as absent.")
            } else {
                more.to_owned()
            };
            json!({ "type": types, "description": sentence(&description, &more) })
        }
        (Some((number, more)), false) => json!({
            "anyOf": [inner, number],
            "description": sentence(&description, more),
        }),
        (Some((number, more)), true) => json!({
            "anyOf": [inner, number, { "type": "null" }],
            "description": sentence(&description, &sentence(more, "null is the same as absent.")),
        }),
        (None, true) => json!({
            "anyOf": [inner, { "type": "null" }],
            "description": sentence(&description, "null is the same as absent."),
        }),
        (None, false) => {
            if !description.is_empty() {
                inner["description"] = json!(description);
            }
            inner
        }
    }
}

/// Closes every answer's object schema to the fields it declares, after merging the fields of
/// a flattened part (`allOf`) into it.
/// Requests (and the scalars they are made of) are left open: unknown fields are ignored.
pub fn answers_are_closed(schemas: &mut Map<String, Value>, scalars: &[&str]) {
    let snapshot = schemas.clone();
    for (name, schema) in schemas.iter_mut() {
        let request = ["Request", "Form", "Multipart"]
            .iter()
            .any(|suffix| name.ends_with(suffix));
        if request || scalars.contains(&name.as_str()) {
            continue;
        }
        flatten(schema, &snapshot);
        close(schema);
    }
}

fn flatten(schema: &mut Value, schemas: &Map<String, Value>) {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array).cloned() else {
        return;
    };
    let mut merged = json!({ "type": "object", "required": [], "properties": {} });
    for part in parts {
        let part = match part.get("$ref").and_then(Value::as_str) {
            Some(reference) => schemas
                .get(reference.rsplit('/').next().unwrap_or_default())
                .cloned()
                .unwrap_or(Value::Null),
            None => part,
        };
        if let (Some(into), Some(from)) = (
            merged["properties"].as_object_mut(),
            part["properties"].as_object(),
        ) {
            into.extend(from.clone());
        }
        if let (Some(into), Some(from)) = (
            merged["required"].as_array_mut(),
            part["required"].as_array(),
        ) {
            into.extend(from.iter().cloned());
        }
    }
    if let Some(description) = schema.get("description").cloned() {
        merged["description"] = description;
    }
    *schema = merged;
}

fn close(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    // utoipa writes a Rust integer's width (`int32` for a u32, whose values it does not
    // bound); the minimum it adds says what matters, and values here stay far below either.
    if map.get("type") == Some(&json!("integer"))
        || map.get("type") == Some(&json!(["integer", "null"]))
    {
        map.remove("format");
    }
    if map.get("type") == Some(&json!("object"))
        && map.contains_key("properties")
        && !map.contains_key("additionalProperties")
    {
        map.insert("additionalProperties".into(), json!(false));
    }
    if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
        properties.values_mut().for_each(close);
    }
    if let Some(items) = map.get_mut("items") {
        close(items);
    }
    for choices in ["oneOf", "anyOf"] {
        if let Some(choices) = map.get_mut(choices).and_then(Value::as_array_mut) {
            choices.iter_mut().for_each(close);
        }
    }
}
