//! The OpenAPI document, generated natively from the operation table and the types: schemas
//! are derived with `utoipa` from the bodies the server writes and the request types it
//! reads (`requests`), with the leniencies declared where the types cannot say them
//! (`scalars`, `lenient`, `forms`). `worker/openapi.json` is the committed output, served as
//! is; a test fails when it differs from what this generates (`make openapi` rewrites it). The
//! operator's routes are in a document of their own (`worker/openapi-admin.json`).

mod forms;
mod lenient;
mod links;
pub mod requests;
mod scalars;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use totp_domain::cursor;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::{Idempotency, Operation, OperatorOp};

/// What the document says of an operation beyond what the table decides.
pub struct Doc {
    /// The group it is listed under (`tags`: a generated client's module).
    pub tag: &'static str,
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
    pub fn add(&mut self, name: &str, schema: RefOr<Schema>) -> Value {
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

/// Who a document is for: integrators' backends (`worker/openapi.json`), or the operator of a
/// deployment (`worker/openapi-admin.json`), so a client generated for one has none of the
/// other's routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Integrators,
    Operators,
}

impl Audience {
    pub const ALL: [Self; 2] = [Self::Integrators, Self::Operators];

    fn of(operation: Operation) -> Self {
        match operation {
            Operation::Operator(_) | Operation::OperatorOpenApi => Self::Operators,
            Operation::OpenApi
            | Operation::Health
            | Operation::Token
            | Operation::Directory(_)
            | Operation::Org(_) => Self::Integrators,
        }
    }

    /// The committed document's file, under `worker/`.
    pub fn file(self) -> &'static str {
        match self {
            Self::Integrators => "openapi.json",
            Self::Operators => "openapi-admin.json",
        }
    }
}

/// The document for `audience`.
pub fn document(audience: Audience) -> Value {
    let mut registry = Registry::default();
    // The one error shape every failure answers (`components.responses`).
    registry.add_with_references::<crate::wire::problem::ErrorBody<'static>>("Error");
    let mut paths = Map::new();
    // The test build's own operations are not the API's.
    let operations = Operation::all().filter(|operation| {
        operation.name() != "fireAlarm" && Audience::of(*operation) == audience
    });
    for operation in operations {
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
    let (title, security, schemes) = match audience {
        Audience::Integrators => (
            "Headless TOTP",
            json!([{ "bearer": [] }]),
            json!({
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "client": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "An API key's client id and secret, for POST /oauth/token only (or in its body)."
                }
            }),
        ),
        Audience::Operators => (
            "Headless TOTP: operator routes",
            json!([{ "operator": [] }]),
            json!({
                "operator": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The OPERATOR_TOKEN Worker secret."
                }
            }),
        ),
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": concat!(
                "Multi-factor authentication with TOTP for backends. Bearer tokens come from POST /oauth/token; the operator's routes are in /openapi-admin.json, the integrators' in /openapi.json.\n\n",
                "Request bodies are JSON, or form fields as curl -d and -F send them: one field per value, named as on the wire (a nested field as profile[email], a list as email_domains[] once per item); a form body that starts with { is read as JSON (curl -d '{...}' sends JSON under the form content type)."
            )
        },
        // Relative: the Worker that serves this document, wherever it is deployed.
        "servers": [{ "url": "/" }],
        "security": security,
        "paths": paths,
        "components": {
            "securitySchemes": schemes,
            "schemas": schemas,
            "responses": errors::responses(),
            "headers": {
                "RequestId": {
                    "description": "The request's id, as the Worker's log line names it: quote it to support.",
                    "required": true,
                    "schema": { "type": "string" }
                }
            }
        }
    })
}

mod errors;

fn operation(operation: Operation, doc: &Doc, registry: &mut Registry) -> Value {
    let audience = Audience::of(operation);
    let spec = operation.spec();
    let mut body = Map::new();
    body.insert("operationId".into(), json!(spec.name));
    body.insert("summary".into(), json!(doc.summary));
    body.insert("tags".into(), json!([doc.tag]));
    if !doc.description.is_empty() {
        body.insert("description".into(), json!(doc.description));
    }
    match operation {
        Operation::OpenApi | Operation::OperatorOpenApi | Operation::Health => {
            body.insert("security".into(), json!([]));
        }
        // Client credentials in the body, or in HTTP Basic.
        Operation::Token => {
            body.insert("security".into(), json!([{}, { "client": [] }]));
        }
        // The document's own security applies.
        Operation::Operator(_) | Operation::Directory(_) | Operation::Org(_) => {}
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
    // An export streams out, and a restore in, as NDJSON: a JSON value per line.
    let ndjson = |registry: &mut Registry| json!({ "application/x-ndjson": { "schema": super::operator::doc::export_line(registry) } });
    if operation == Operation::Operator(OperatorOp::Restore) {
        body.insert(
            "requestBody".into(),
            json!({ "required": true, "content": ndjson(registry) }),
        );
    }
    let mut responses = Map::new();
    let mut answer = json!({ "description": doc.answer.description });
    if operation == Operation::Operator(OperatorOp::Export) {
        answer["content"] = ndjson(registry);
    } else if let Some(schema) = doc.answer.schema {
        answer["content"] = json!({ "application/json": { "schema": schema(registry) } });
    }
    answer["headers"] = json!({ "X-Request-Id": request_id_header() });
    if kept {
        answer["headers"]["Idempotent-Replayed"] = json!({
            "description": "true when this answer is the one kept for the request's Idempotency-Key, not a new run.",
            "schema": { "enum": ["true"] }
        });
    }
    // A link leads only to an operation of the same document.
    let same_document = |link: &Value| {
        let target = link["operationId"].as_str();
        Operation::all()
            .any(|other| Some(other.name()) == target && Audience::of(other) == audience)
    };
    if let Some(Value::Object(mut links)) = links::of(operation) {
        links.retain(|_, link| same_document(link));
        if !links.is_empty() {
            answer["links"] = Value::Object(links);
        }
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

/// Every answer's `X-Request-Id`, successful or not.
pub fn request_id_header() -> Value {
    json!({ "$ref": "#/components/headers/RequestId" })
}

fn paging() -> [Value; 3] {
    [
        json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "default": 1, "maximum": u32::MAX } }),
        json!({ "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10 } }),
        json!({ "name": "starting_after", "in": "query", "description": "The next_cursor of an earlier page of this list: the page after it, at the same cost wherever it starts (with no page other than 1).", "schema": { "type": "string", "minLength": 1, "maxLength": cursor::MAX_LENGTH } }),
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
