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

fn matched<'a>(template: &'static str, segments: &[&'a str]) -> Option<Params<'a>> {
    let parts: Vec<&'static str> = template.trim_start_matches('/').split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Params::default();
    for (part, segment) in parts.into_iter().zip(segments) {
        match part
            .strip_prefix('{')
            .and_then(|part| part.strip_suffix('}'))
        {
            Some(name) => params.0.push((name, segment)),
            None if part == *segment => {}
            None => return None,
        }
    }
    Some(params)
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
