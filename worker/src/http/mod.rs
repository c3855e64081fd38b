//! The HTTP ring's fetch entry: it decodes the path, finds the operation in the table
//! (`crate::api`), serves it, and writes one log line. The control plane answers from D1
//! (through caches); everything under an organization is one call into that organization's
//! object.

mod auth;
mod call;
mod input;
mod limits;
mod operator;
mod tenant;
mod token;

use totp_domain::new_id;
use worker::js_sys;
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::web_sys;
use worker::{Context, Env, Request, Response, event};

use crate::api::{Operation, allowed_methods, route};
use crate::control::{self, D1};
use crate::wire::problem::{self, HttpError};
use crate::wire::{REQUEST_ID, respond};
use call::Call;

/// The API's own OpenAPI 3.1 document, generated from the operation table and the types
/// (`crate::api::openapi`), committed as `worker/openapi.json` and embedded without its
/// indentation (build.rs); tests check real responses against it.
const OPENAPI: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// The operator's routes, in a document of their own (`worker/openapi-admin.json`).
const OPERATOR_OPENAPI: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi-admin.json"));

/// Results of the HTTP ring.
type Result<T> = std::result::Result<T, HttpError>;

#[event(fetch)]
async fn fetch(raw: web_sys::Request, env: Env, _context: Context) -> worker::Result<Response> {
    let mut request = Request::from(without_cf(raw));
    let request_id = new_id().unwrap_or_default();
    let path = request.path();
    #[cfg(feature = "storage-contract")]
    if path == crate::contract::PATH {
        return crate::contract::d1(&env).await;
    }
    #[cfg(feature = "storage-contract")]
    if let Some(id) = path.strip_prefix(&format!("{}/", crate::contract::CANARY_PATH)) {
        return crate::contract::canary(&env, id, request).await;
    }
    let decoded: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let method = request.method();
    let oauth = segments == ["oauth", "token"];

    // workers-rs reads a method it has no name for (QUERY, say) as GET: only a method it
    // names exactly is routed, any other is answered 405 (or 404) with what the path allows.
    let named = request.inner().method() == method.as_ref();
    let Some((operation, params)) = named.then(|| route(&method, &segments)).flatten() else {
        let allowed = allowed_methods(&segments);
        let failure = if allowed.is_empty() {
            HttpError::NoRoute
        } else {
            HttpError::MethodNotAllowed(allowed)
        };
        return with_request_id(problem::respond(&failure, &request_id, oauth)?, &request_id);
    };
    if let Some(document) = document(operation) {
        return with_request_id(respond::raw_json(document)?, &request_id);
    }
    control::configure(&env);
    let d1 = D1::new(&env);
    let (outcome, objects) = match Call::new(&env, &d1, &request, &request_id) {
        Ok(call) => {
            let outcome = serve(&call, operation, &params, &mut request).await;
            (outcome, call.objects())
        }
        Err(failure) => (Err(failure), 0),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(failure) => problem::respond(&failure, &request_id, oauth)?,
    };
    // One line per request: the operation, never its arguments; the D1 queries and object
    // calls it made (a warm validation: 0 and 1).
    worker::console_log!(
        "{request_id} {method} {} {} d1={} objects={objects}",
        operation.name(),
        response.status_code(),
        d1.queries(),
    );
    with_request_id(response, &request_id)
}

/// `request` with its `cf` properties hidden: workers-rs reads them when it wraps a request,
/// and the runtime parses them from JSON on every read; nothing here uses them.
fn without_cf(request: web_sys::Request) -> web_sys::Request {
    let hidden = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hidden, &"value".into(), &JsValue::UNDEFINED);
    // If the runtime refuses, the request is wrapped as it is.
    let _ = js_sys::Reflect::define_property(&request, &"cf".into(), &hidden);
    request
}

/// Every answer names its request, as its log line does, for a client to quote to support. An
/// object names it in its own answer (whose headers are immutable here); an answer without it
/// is given it, copied if need be.
fn with_request_id(mut response: Response, request_id: &str) -> worker::Result<Response> {
    if response.headers().get(REQUEST_ID)?.as_deref() == Some(request_id) {
        return Ok(response);
    }
    if response.headers_mut().set(REQUEST_ID, request_id).is_ok() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    headers.set(REQUEST_ID, request_id)?;
    Ok(response.with_headers(headers))
}

/// The OpenAPI document `operation` answers, if it is one: static, so served before anything
/// is configured.
fn document(operation: Operation) -> Option<&'static str> {
    match operation {
        Operation::OpenApi => Some(OPENAPI),
        Operation::OperatorOpenApi => Some(OPERATOR_OPENAPI),
        Operation::Health
        | Operation::Token
        | Operation::Operator(_)
        | Operation::Directory(_)
        | Operation::Org(_) => None,
    }
}

/// Serves `operation`. Credentials are checked before a byte of the body is read.
async fn serve(
    call: &Call<'_>,
    operation: Operation,
    params: &crate::api::Params<'_>,
    request: &mut Request,
) -> Result<Response> {
    match operation {
        Operation::OpenApi | Operation::OperatorOpenApi => {
            respond::raw_json(document(operation).unwrap_or_default()).map_err(HttpError::internal)
        }
        Operation::Health => call::ok(crate::wire::answers::Health::OK),
        Operation::Token => token::serve(call, request).await,
        Operation::Operator(op) => operator::serve(call, op, params, request).await,
        Operation::Directory(op) => tenant::directory(call, op, params, request).await,
        Operation::Org(op) => tenant::org(call, op, params, request).await,
    }
}
