//! Request input as one JSON object, whatever the guide's curls send: JSON (also under curl's
//! default form content type), `application/x-www-form-urlencoded` with bracket keys
//! (`email_domains[]=`, `profile[email]=`), `multipart/form-data`, or a GET's query string.

use futures_util::StreamExt;
use serde_json::{Map, Value};
use worker::js_sys;
use worker::wasm_bindgen::JsValue;
use worker::{Headers, Method, Request, RequestInit};

use totp_domain::error::{self, Error};
use totp_domain::model::PageRequest;

use super::Result;
use crate::wire::problem::HttpError;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY: usize = 16 * 1024;

/// The limit of `POST .../totp-import`: up to 500 entries of a user id and a URI.
pub const MAX_IMPORT_BODY: usize = 256 * 1024;

/// The fields of a request.
#[derive(Debug, Default)]
pub struct Input(Map<String, Value>);

impl Input {
    /// Reads the body (or, for GET, the query string) of `request`.
    pub async fn read(request: &mut Request) -> Result<Self> {
        Self::read_within(request, MAX_BODY).await
    }

    /// Reads the body with a limit of `max` bytes instead of [`MAX_BODY`].
    pub async fn read_within(request: &mut Request, max: usize) -> Result<Self> {
        if request.method() == Method::Get {
            // The query string is form-encoded; read it without a URL parser (smaller wasm).
            let url = request.inner().url();
            let query = url
                .split_once('?')
                .map_or("", |(_, rest)| rest.split('#').next().unwrap_or_default());
            return Ok(Self::from_pairs(
                form_urlencoded::parse(query.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            ));
        }
        let declared = request.headers().get("content-length").ok().flatten();
        if declared
            .and_then(|length| length.parse::<usize>().ok())
            .is_some_and(|length| length > max)
        {
            return Err(HttpError::PayloadTooLarge(max));
        }
        let content_type = request
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_default();
        // Read chunk by chunk, so a body without Content-Length (chunked) is refused as soon as
        // it passes the limit instead of being buffered whole first.
        let unreadable = || HttpError::UnreadableBody;
        let mut body = Vec::new();
        if request.inner().body().is_some() {
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
            _ if body.iter().all(u8::is_ascii_whitespace) => Ok(Self::default()),
            "application/json" => Self::from_json(&body),
            "multipart/form-data" => Self::from_multipart(body, &content_type).await,
            // curl -d sends JSON under its default form content type.
            "" | "application/x-www-form-urlencoded"
                if body.trim_ascii_start().starts_with(b"{") =>
            {
                Self::from_json(&body)
            }
            "" | "application/x-www-form-urlencoded" => Self::from_form(&body),
            _ => Err(HttpError::UnsupportedMediaType),
        }
    }

    pub(super) fn from_json(body: &[u8]) -> Result<Self> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(HttpError::JsonNotAnObject),
            Err(error) => Err(HttpError::InvalidJson(error.to_string())),
        }
    }

    /// `a=1&b[]=2`, parsed as browsers do (WHATWG): a body that is not UTF-8 is refused;
    /// percent-escapes that are not UTF-8 decode to U+FFFD.
    pub(super) fn from_form(body: &[u8]) -> Result<Self> {
        std::str::from_utf8(body).map_err(|_| HttpError::FormNotUtf8)?;
        let pairs = form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned()));
        Ok(Self::from_pairs(pairs))
    }

    async fn from_multipart(body: Vec<u8>, content_type: &str) -> Result<Self> {
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
            if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string())
            {
                pairs.push((name, value));
            }
        }
        Ok(Self::from_pairs(pairs.into_iter()))
    }

    /// Builds nested values from bracket keys: `a[]=x` appends to a list, `a[b]=x` sets a field.
    pub fn from_pairs(pairs: impl Iterator<Item = (String, String)>) -> Self {
        let mut map = Map::new();
        for (key, value) in pairs {
            let value = Value::String(value);
            if let Some(list) = key.strip_suffix("[]") {
                let entry = map
                    .entry(list.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(value);
                }
            } else if let Some((outer, inner)) =
                key.strip_suffix(']').and_then(|k| k.split_once('['))
            {
                let entry = map
                    .entry(outer.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(fields) = entry {
                    fields.insert(inner.to_owned(), value);
                }
            } else {
                map.insert(key, value);
            }
        }
        Self(map)
    }

    /// A field deserialized as `T`; a 422 saying `expected` when it is absent or another shape.
    pub fn parsed<T: serde::de::DeserializeOwned>(
        &self,
        field: &'static str,
        expected: &'static str,
    ) -> error::Result<T> {
        self.0
            .get(field)
            .cloned()
            .and_then(|value| serde_json::from_value(value).ok())
            .ok_or_else(|| Error::invalid(field, expected))
    }

    /// The digest an idempotent retry must match: the fields as parsed, whatever the media type.
    pub fn fingerprint(&self) -> String {
        totp_domain::idempotency::fingerprint(&Value::Object(self.0.clone()))
    }

    fn get(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.0.get(*first)?, |value, key| value.get(key))
    }

    /// A text field; numbers are accepted as their text.
    pub fn text(&self, field: &'static str) -> error::Result<Option<String>> {
        self.text_at(field, &[field])
    }

    /// A text field at a nested path, named `field` in errors.
    pub fn text_at(&self, field: &'static str, path: &[&str]) -> error::Result<Option<String>> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(
                whole(number).map_or_else(|| number.to_string(), |value| value.to_string()),
            )),
            Some(_) => Err(Error::invalid(field, "must be a string")),
        }
    }

    /// A boolean field: `true`/`false`, also as text, or `1`/`0`.
    pub fn boolean(&self, field: &'static str) -> error::Result<Option<bool>> {
        match self.get(&[field]) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(Value::String(text)) => match text.trim() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(Error::invalid(field, "must be true or false")),
            },
            Some(Value::Number(number)) => match whole(number) {
                Some(1) => Ok(Some(true)),
                Some(0) => Ok(Some(false)),
                _ => Err(Error::invalid(field, "must be true or false")),
            },
            Some(_) => Err(Error::invalid(field, "must be true or false")),
        }
    }

    /// A non-negative whole number, also as text.
    pub fn number(&self, field: &'static str) -> error::Result<Option<u64>> {
        let invalid = || Error::invalid(field, "must be a non-negative whole number");
        match self.get(&[field]) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => whole(number).map(Some).ok_or_else(invalid),
            Some(Value::String(text)) => text.trim().parse().map(Some).map_err(|_| invalid()),
            Some(_) => Err(invalid()),
        }
    }

    /// A list of text values; a single value counts as a list of one.
    pub fn list(&self, field: &'static str) -> error::Result<Vec<String>> {
        let invalid = || Error::invalid(field, "must be a list of strings");
        match self.get(&[field]) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(text)) => Ok(vec![text.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
                .collect(),
            Some(_) => Err(invalid()),
        }
    }

    /// `page` and `per_page`, within bounds.
    pub fn page(&self) -> error::Result<PageRequest> {
        let page = self.number("page")?.unwrap_or(1);
        let per_page = self
            .number("per_page")?
            .unwrap_or(u64::from(PageRequest::DEFAULT_PER_PAGE));
        if !(1..=u64::from(u32::MAX)).contains(&page) {
            return Err(Error::invalid(
                "page",
                format!("must be between 1 and {}", u32::MAX),
            ));
        }
        if !(1..=u64::from(PageRequest::MAX_PER_PAGE)).contains(&per_page) {
            return Err(Error::invalid(
                "per_page",
                format!("must be between 1 and {}", PageRequest::MAX_PER_PAGE),
            ));
        }
        Ok(PageRequest {
            page: page as u32,
            per_page: per_page as u32,
        })
    }
}

/// A JSON number as a non-negative whole number: `11` and `11.0` alike, as JSON Schema counts
/// integers (one written with a fraction only up to 2^53, where doubles stop being exact).
fn whole(number: &serde_json::Number) -> Option<u64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|value| value.fract() == 0.0 && (0.0..=EXACT).contains(value))
            .map(|value| value as u64)
    })
}
