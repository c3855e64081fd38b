//! Which operation a method and path name, read from the table: a path matches an operation's
//! when each segment equals the template's or fills one of its `{parameters}`.

use totp_domain::error::{Error, Result};
use worker::Method;

use super::Operation;

/// The parameters of a matched path, by the names the template gives them.
#[derive(Debug, Default)]
pub struct Params<'a>(Vec<(&'static str, &'a str)>);

impl<'a> Params<'a> {
    /// The parameter `name` of the operation's path.
    pub fn get(&self, name: &str) -> Result<&'a str> {
        self.0
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
            .ok_or_else(|| Error::internal(format!("the path has no parameter {name}")))
    }

    /// The parameter `name`, owned, for a command.
    pub fn owned(&self, name: &str) -> Result<String> {
        self.get(name).map(str::to_owned)
    }
}

/// The operation `method` and the decoded path `segments` name, with its parameters.
pub fn route<'a>(method: &Method, segments: &[&'a str]) -> Option<(Operation, Params<'a>)> {
    Operation::all().find_map(|operation| {
        let spec = operation.spec();
        if spec.method != *method {
            return None;
        }
        matched(spec.path, segments).map(|params| (operation, params))
    })
}

/// Walks the template and the path together, allocating only for a parameter: the table is
/// scanned on every request.
fn matched<'a>(template: &'static str, segments: &[&'a str]) -> Option<Params<'a>> {
    let mut parts = template.trim_start_matches('/').split('/');
    let mut params = Params::default();
    for segment in segments {
        let part = parts.next()?;
        match part
            .strip_prefix('{')
            .and_then(|part| part.strip_suffix('}'))
        {
            Some(name) => params.0.push((name, segment)),
            None if part == *segment => {}
            None => return None,
        }
    }
    parts.next().is_none().then_some(params)
}

/// The methods that some operation accepts at this path.
pub fn allowed_methods(segments: &[&str]) -> Vec<&'static str> {
    [
        (Method::Get, "GET"),
        (Method::Post, "POST"),
        (Method::Put, "PUT"),
        (Method::Patch, "PATCH"),
        (Method::Delete, "DELETE"),
    ]
    .into_iter()
    .filter(|(method, _)| route(method, segments).is_some())
    .map(|(_, name)| name)
    .collect()
}
