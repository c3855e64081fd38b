//! A request's fields as one JSON object, whatever the guide's curls send: JSON,
//! `application/x-www-form-urlencoded` and `multipart/form-data` with bracket keys
//! (`email_domains[]=`, `profile[email]=`), or a GET's query string; and the lenient readers
//! of each field. The HTTP ring reads the body (`http::input`); the operation table reads the
//! fields.

use serde_json::{Map, Value};

use totp_domain::error::{self, Error};
use totp_domain::model::PageRequest;

use super::problem::HttpError;

type Result<T> = std::result::Result<T, HttpError>;

/// The fields of a request.
#[derive(Debug, Default)]
pub struct Input(Map<String, Value>);

impl Input {
    pub fn from_json(body: &[u8]) -> Result<Self> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(HttpError::JsonNotAnObject),
            Err(error) => Err(HttpError::InvalidJson(error.to_string())),
        }
    }

    /// `a=1&b[]=2`, parsed as browsers do (WHATWG): a body that is not UTF-8 is refused;
    /// percent-escapes that are not UTF-8 decode to U+FFFD.
    pub fn from_form(body: &[u8]) -> Result<Self> {
        std::str::from_utf8(body).map_err(|_| HttpError::FormNotUtf8)?;
        let pairs = form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned()));
        Ok(Self::from_pairs(pairs))
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

    /// A text field the operation cannot do without.
    pub fn required(&self, field: &'static str) -> error::Result<String> {
        self.text(field)?
            .ok_or_else(|| Error::invalid(field, "is required"))
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

    /// Whether `field` was sent with a value (not absent, not null).
    pub fn has(&self, field: &'static str) -> bool {
        !matches!(self.get(&[field]), None | Some(Value::Null))
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

    /// `page` and `per_page`, within bounds, or `starting_after` a cursor (not with a `page`
    /// other than the first).
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
        let starting_after = self.text("starting_after")?;
        if starting_after.as_deref() == Some("") {
            return Err(Error::invalid("starting_after", "must not be empty"));
        }
        if starting_after.is_some() && page != 1 {
            return Err(Error::invalid(
                "page",
                "cannot be combined with starting_after",
            ));
        }
        Ok(PageRequest {
            page: page as u32,
            per_page: per_page as u32,
            starting_after,
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

#[cfg(test)]
mod tests;
