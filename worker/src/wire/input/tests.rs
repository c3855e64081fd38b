//! Input as the guide's curls send it: every media type read to the same fields, and each
//! field read leniently but never guessed.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::json;
use totp_domain::error::Error;

use super::Input;
use crate::wire::problem::HttpError;

fn form(body: &str) -> Input {
    Input::from_form(body.as_bytes()).unwrap()
}

fn json(value: serde_json::Value) -> Input {
    Input::from_json(value.to_string().as_bytes()).unwrap()
}

#[test]
fn bodies_that_are_not_an_object_or_not_utf8_are_refused_with_their_reason() {
    assert!(matches!(
        Input::from_json(b"[1]"),
        Err(HttpError::JsonNotAnObject)
    ));
    assert!(matches!(
        Input::from_json(b"{ not json"),
        Err(HttpError::InvalidJson(_))
    ));
    assert!(matches!(
        Input::from_form(b"a=\xff"),
        Err(HttpError::FormNotUtf8)
    ));
    // Escapes that are not UTF-8 decode to U+FFFD, as browsers do.
    assert_eq!(
        form("a=%FF").text("a").unwrap().as_deref(),
        Some("\u{FFFD}")
    );
}

#[test]
fn bracket_keys_build_lists_and_objects_as_the_guide_sends_them() {
    let input = form(
        "name=Communitiz+App&email_domains[]=a.app&email_domains[]=b.app&profile[email]=e%40a.app&page=2",
    );
    assert_eq!(
        input.text("name").unwrap().as_deref(),
        Some("Communitiz App")
    );
    assert_eq!(input.list("email_domains").unwrap(), ["a.app", "b.app"]);
    assert_eq!(
        input
            .text_at("email", &["profile", "email"])
            .unwrap()
            .as_deref(),
        Some("e@a.app")
    );
    assert_eq!(input.number("page").unwrap(), Some(2));
    assert_eq!(input.text("missing").unwrap(), None);
    assert_eq!(
        form("a=x").list("a").unwrap(),
        ["x"],
        "one value is a list of one"
    );
}

#[test]
fn values_are_read_leniently_but_never_guessed() {
    let input = json(json!({
        "t": true, "f": "false", "one": 1, "zero": 0.0, "two": 2, "word": "yes", "list": [1],
        "n": 11.0, "s": " 7 ", "neg": -1, "frac": 1.5, "big": 1e300, "null": null, "obj": {},
        "num": 42
    }));
    assert_eq!(input.boolean("t").unwrap(), Some(true));
    assert_eq!(input.boolean("f").unwrap(), Some(false));
    assert_eq!(input.boolean("one").unwrap(), Some(true));
    assert_eq!(input.boolean("zero").unwrap(), Some(false));
    assert_eq!(input.boolean("null").unwrap(), None);
    for bad in ["two", "word", "list"] {
        assert!(input.boolean(bad).is_err(), "{bad}");
    }
    assert_eq!(input.number("n").unwrap(), Some(11));
    assert_eq!(input.number("s").unwrap(), Some(7));
    for bad in ["neg", "frac", "big", "obj", "word"] {
        match input.number(bad) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, bad),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(input.text("num").unwrap().as_deref(), Some("42"));
    assert_eq!(input.text("n").unwrap().as_deref(), Some("11"));
    assert_eq!(input.text("frac").unwrap().as_deref(), Some("1.5"));
    assert!(input.text("obj").is_err());
    assert!(input.list("obj").is_err() && input.list("list").is_err());
    assert!(input.list("null").unwrap().is_empty());
}

#[test]
fn pages_default_and_stay_within_bounds() {
    let page = form("").page().unwrap();
    assert_eq!((page.page, page.per_page), (1, 10));
    let page = form("page=3&per_page=100").page().unwrap();
    assert_eq!((page.page, page.per_page), (3, 100));
    for bad in ["page=0", "per_page=0", "per_page=101", "page=4294967296"] {
        assert!(form(bad).page().is_err(), "{bad}");
    }
    assert_eq!(form("page=4294967295").page().unwrap().page, u32::MAX);
    let after = form("starting_after=abc&per_page=5").page().unwrap();
    assert_eq!(after.starting_after.as_deref(), Some("abc"));
    assert!(form("starting_after=").page().is_err());
    assert!(form("page=2&starting_after=abc").page().is_err());
    assert!(form("page=1&starting_after=abc").page().is_ok());
}

#[test]
fn the_same_fields_are_the_same_request_whatever_the_media_type() {
    let as_form = form("user_id=u1&force_enroll=true");
    let as_json = json(json!({ "force_enroll": "true", "user_id": "u1" }));
    assert_eq!(as_form.fingerprint(), as_json.fingerprint());
    assert_ne!(
        as_form.fingerprint(),
        form("user_id=u2&force_enroll=true").fingerprint()
    );
}
