//! The OpenAPI document, generated natively from the operation table and the types: schemas
//! are derived with `utoipa` from the bodies the server writes and the request types it
//! reads (`requests`), with the leniencies declared where the types cannot say them
//! (`scalars`, `lenient`, `forms`). `worker/openapi.json` is the committed output, served as
//! is; a test fails when it differs from what this generates (`make openapi` rewrites it).

mod forms;
mod lenient;
mod links;
pub mod requests;
mod scalars;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::{Idempotency, Operation};

/// What the document says of an operation beyond what the table decides.
pub struct Doc {
    pub summary: &'static str,
    /// Empty when the summary says it all.
    pub description: &'static str,
    pub request: Option<Body>,
    pub answer: Answer,
    /// The failures it may answer, each with its status's shared response.
    pub errors: &'static [u16],
}

/// A request body: JSON, and the same fields as a form and as multipart.
pub struct Body {
    pub schema: Named,
    /// Whether a request without a body is refused.
    pub required: bool,
}

/// The successful answer.
pub struct Answer {
    pub status: u16,
    pub description: &'static str,
    /// `None` for 204.
    pub schema: Option<Named>,
}

/// Registers a schema (and those it refers to) and answers a reference to it.
pub type Named = fn(&mut Registry) -> Value;

/// The component schemas named so far.
#[derive(Default)]
pub struct Registry(BTreeMap<String, Value>);

impl Registry {
    fn add(&mut self, name: &str, schema: RefOr<Schema>) -> Value {
        self.add_json(name, serde_json::to_value(schema).unwrap_or(Value::Null))
    }

    /// A schema utoipa's model cannot hold (`patternProperties`), as JSON.
    fn add_json(&mut self, name: &str, schema: Value) -> Value {
        self.0.entry(name.to_owned()).or_insert(schema);
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    fn add_with_references<T: ToSchema>(&mut self, name: &str) -> Value {
        let mut referenced = Vec::new();
        T::schemas(&mut referenced);
        for (name, schema) in referenced {
            self.add(&name, schema);
        }
        self.add(name, T::schema())
    }
}

/// A type's schema, under its own name.
pub fn schema<T: ToSchema>(registry: &mut Registry) -> Value {
    registry.add_with_references::<T>(&T::name())
}

/// A page of `T`, named after it (`UserPage`).
pub fn page<T: ToSchema>(registry: &mut Registry) -> Value {
    let item = T::name();
    let reference = registry.add_with_references::<T>(&item);
    let mut page =
        serde_json::to_value(totp_domain::model::Page::<T>::schema()).unwrap_or(Value::Null);
    page["properties"]["data"]["items"] = reference;
    page["properties"]["page"]["minimum"] = json!(1);
    page["properties"]["per_page"]["minimum"] = json!(1);
    page["properties"]["per_page"]["maximum"] = json!(100);
    let name = format!("{item}Page");
    registry.add(&name, declared(page, ""))
}

/// A schema written as JSON, with `description` when not empty.
#[allow(clippy::panic)] // generation time: a schema utoipa cannot hold is a bug here
pub fn declared(mut value: Value, description: &str) -> RefOr<Schema> {
    if !description.is_empty() {
        value["description"] = json!(description);
    }
    let schema: RefOr<Schema> = serde_json::from_value(value.clone())
        .unwrap_or_else(|error| panic!("{error}: a declared schema utoipa cannot hold: {value}"));
    let held = serde_json::to_value(&schema).unwrap_or_default();
    assert_eq!(held, value, "utoipa dropped part of a declared schema");
    schema
}

/// `"ok"`, the health checks' only status.
pub fn ok() -> RefOr<Schema> {
    declared(json!({ "type": "string", "enum": ["ok"] }), "")
}

/// The algorithms a connection may name.
pub fn algorithm() -> RefOr<Schema> {
    declared(
        json!({ "type": "string", "enum": ["SHA1", "SHA256", "SHA512"] }),
        "",
    )
}

/// The digits of a code.
pub fn digits() -> RefOr<Schema> {
    declared(json!({ "type": "integer", "enum": [6, 7, 8] }), "")
}

/// The whole document.
pub fn document() -> Value {
    let mut registry = Registry::default();
    // The one error shape every failure answers (`components.responses`).
    registry.add_with_references::<crate::wire::problem::ErrorBody<'static>>("Error");
    let mut paths = Map::new();
    // The test build's own operations are not the API's.
    for operation in Operation::all().filter(|operation| operation.name() != "fireAlarm") {
        let spec = operation.spec();
        let method = spec.method.to_string().to_ascii_lowercase();
        let described = self::operation(operation, &operation.doc(), &mut registry);
        if let Some(methods) = paths
            .entry(spec.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
        {
            methods.insert(method, described);
        }
    }
    // The scalars' schemas as declared (see `scalars`), in place of utoipa's stand-ins.
    let scalars = scalars::all();
    for (name, schema) in &scalars {
        if let Some(entry) = registry.0.get_mut(*name) {
            *entry = schema.clone();
        }
    }
    let mut schemas: Map<String, Value> = registry.0.into_iter().collect();
    let names: Vec<&str> = scalars.iter().map(|(name, _)| *name).collect();
    lenient::answers_are_closed(&mut schemas, &names);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Headless TOTP",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Multi-factor authentication with TOTP for backends. Bearer tokens come from POST /oauth/token."
        },
        "servers": [{ "url": "http://127.0.0.1:8787" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "client": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "An API key's client id and secret, for POST /oauth/token only (or in its body)."
                },
                "operator": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The OPERATOR_TOKEN Worker secret."
                }
            },
            "schemas": schemas,
            "responses": errors::responses()
        }
    })
}

mod errors;

fn operation(operation: Operation, doc: &Doc, registry: &mut Registry) -> Value {
    let spec = operation.spec();
    let mut body = Map::new();
    body.insert("operationId".into(), json!(spec.name));
    body.insert("summary".into(), json!(doc.summary));
    if !doc.description.is_empty() {
        body.insert("description".into(), json!(doc.description));
    }
    match operation {
        Operation::OpenApi | Operation::Health => {
            body.insert("security".into(), json!([]));
        }
        // Client credentials in the body, or in HTTP Basic.
        Operation::Token => {
            body.insert("security".into(), json!([{}, { "client": [] }]));
        }
        Operation::Operator(_) => {
            body.insert("security".into(), json!([{ "operator": [] }]));
        }
        Operation::Directory(_) | Operation::Org(_) => {}
    }
    let mut parameters: Vec<Value> = spec
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if spec.method == worker::Method::Get && doc.errors.contains(&422) {
        parameters.extend(paging());
    }
    let kept = matches!(spec.idempotency, Idempotency::Kept(_));
    if kept {
        parameters.push(idempotency_key());
    }
    if !parameters.is_empty() {
        body.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(request) = &doc.request {
        let schema = (request.schema)(registry);
        body.insert(
            "requestBody".into(),
            forms::request_body(schema, request.required, registry),
        );
    }
    let mut responses = Map::new();
    let mut answer = json!({ "description": doc.answer.description });
    if let Some(schema) = doc.answer.schema {
        answer["content"] = json!({ "application/json": { "schema": schema(registry) } });
    }
    if kept {
        answer["headers"] = json!({
            "Idempotent-Replayed": {
                "description": "true when this answer is the one kept for the request's Idempotency-Key, not a new run.",
                "schema": { "enum": ["true"] }
            }
        });
    }
    if let Some(links) = links::of(operation) {
        answer["links"] = links;
    }
    responses.insert(doc.answer.status.to_string(), answer);
    let mut errors = doc.errors.to_vec();
    errors.sort_unstable();
    for status in errors {
        responses.insert(status.to_string(), errors::reference(operation, status));
    }
    body.insert("responses".into(), Value::Object(responses));
    Value::Object(body)
}

fn paging() -> [Value; 2] {
    [
        json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "default": 1, "maximum": u32::MAX } }),
        json!({ "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10 } }),
    ]
}

fn idempotency_key() -> Value {
    json!({
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "description": "Makes a retry safe: the first request with a key runs and its answer is kept for 24 hours (sealed), scoped to the account, environment and route; a retry with the same fields gets the same answer with Idempotent-Replayed: true, without running again; the same key with other fields is a 422 naming the header.",
        "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$" }
    })
}

#[cfg(test)]
mod tests;

/// A list that is not paged, named after its item (`ApiKeyList`).
pub fn list<T: ToSchema>(registry: &mut Registry) -> Value {
    let item = T::name();
    let reference = registry.add_with_references::<T>(&item);
    let list = json!({
        "type": "object",
        "required": ["data"],
        "properties": { "data": { "type": "array", "items": reference } }
    });
    registry.add(&format!("{item}List"), declared(list, ""))
}

/// Any JSON object (this document, served as it is).
pub fn any_object(_: &mut Registry) -> Value {
    json!({ "type": "object" })
}
