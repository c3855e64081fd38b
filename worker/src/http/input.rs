//! Reading a request's input: the query string of a GET, or a body of a media type the guide's
//! curls send, within the operation's limit. A body without Content-Length is read chunk by
//! chunk, so it is refused as soon as it passes the limit.

use futures_util::StreamExt;
use worker::js_sys;
use worker::wasm_bindgen::JsValue;
use worker::{Headers, Method, Request, RequestInit};

use super::Result;
use crate::wire::input::Input;
use crate::wire::problem::HttpError;

/// Reads the body (or, for GET, the query string) of `request`, refusing more than `max` bytes.
pub async fn read(request: &mut Request, max: usize) -> Result<Input> {
    if request.method() == Method::Get {
        // The query string is form-encoded; read it without a URL parser (smaller wasm).
        let url = request.inner().url();
        let query = url
            .split_once('?')
            .map_or("", |(_, rest)| rest.split('#').next().unwrap_or_default());
        return Ok(Input::from_pairs(
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())),
        ));
    }
    let declared = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|length| length.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(HttpError::PayloadTooLarge(max));
    }
    let content_type = request
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    // A body of a declared length (within the limit, and the runtime reads no more than it
    // declares) is read whole, in one call; one without Content-Length (chunked) chunk by
    // chunk, refused as soon as it passes the limit instead of being buffered whole first.
    let unreadable = || HttpError::UnreadableBody;
    let mut body = Vec::new();
    if declared.is_some() {
        body = request.bytes().await.map_err(|_| unreadable())?;
    } else if request.inner().body().is_some() {
        let mut chunks = request.stream().map_err(|_| unreadable())?;
        while let Some(chunk) = chunks.next().await {
            body.extend_from_slice(&chunk.map_err(|_| unreadable())?);
            if body.len() > max {
                return Err(HttpError::PayloadTooLarge(max));
            }
        }
    }
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        _ if body.iter().all(u8::is_ascii_whitespace) => Ok(Input::default()),
        "application/json" => Input::from_json(&body),
        "multipart/form-data" => from_multipart(body, &content_type).await,
        // curl -d sends JSON under its default form content type.
        "" | "application/x-www-form-urlencoded" if body.trim_ascii_start().starts_with(b"{") => {
            Input::from_json(&body)
        }
        "" | "application/x-www-form-urlencoded" => Input::from_form(&body),
        _ => Err(HttpError::UnsupportedMediaType),
    }
}

async fn from_multipart(body: Vec<u8>, content_type: &str) -> Result<Input> {
    let invalid = || HttpError::InvalidMultipart;
    let headers = Headers::new();
    headers
        .set("content-type", content_type)
        .map_err(|_| invalid())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    let mut request =
        Request::new_with_init("http://body.invalid/", &init).map_err(|_| invalid())?;
    let form = JsValue::from(request.form_data().await.map_err(|_| invalid())?);
    let entries = js_sys::try_iter(&form).ok().flatten().ok_or_else(invalid)?;
    let mut pairs = Vec::new();
    for entry in entries {
        let entry = js_sys::Array::from(&entry.map_err(|_| invalid())?);
        // Files are not fields of this API; only text values are read.
        if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((name, value));
        }
    }
    Ok(Input::from_pairs(pairs.into_iter()))
}
