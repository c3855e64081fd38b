//! The HTTP ring's pure parts, natively: which operation a method and path name, how input is
//! read from every body the guide's curls send, and what command each route becomes. The rest
//! of the ring talks to the runtime and is tested on workerd (tests/worker/).
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::json;
use worker::Method;

use super::commands::org_command;
use super::input::Input;
use super::routes::{
    Operation, OperatorRoute, OrgRoute, Route, TenantRoute, allowed_methods, route,
};
use crate::org_object::OrgCommand;
use totp_domain::error::Error;

fn segments(path: &str) -> Vec<&str> {
    path.trim_matches('/').split('/').collect()
}

fn name(method: Method, path: &str) -> Option<&'static str> {
    route(&method, &segments(path)).map(|route| route.name())
}

#[test]
fn every_operation_of_the_document_is_routed_to_its_name() {
    use Method::{Delete, Get, Patch, Post, Put};
    let table = [
        (Get, "/health", "Health"),
        (Get, "/openapi.json", "OpenApi"),
        (Post, "/oauth/token", "Token"),
        (Post, "/admin/accounts", "CreateAccount"),
        (Get, "/admin/accounts/acme", "Account"),
        (Post, "/admin/accounts/acme/api-keys", "CreateApiKey"),
        (Get, "/admin/accounts/acme/api-keys", "ApiKeys"),
        (Delete, "/admin/accounts/acme/api-keys/k1", "RevokeApiKey"),
        (Post, "/admin/reseal", "Reseal"),
        (Get, "/admin/organizations/o1/export", "Export"),
        (Get, "/admin/health", "DeepHealth"),
        (Get, "/admin/health/object", "ObjectHealth"),
        (Post, "/api/v2/organizations", "CreateOrganization"),
        (Get, "/api/v2/organizations", "Organizations"),
        (Get, "/api/v2/organizations/acme", "Organization"),
        (Post, "/api/v2/org/acme/users", "CreateUser"),
        (Get, "/api/v2/org/acme/users", "Users"),
        (Get, "/api/v2/org/acme/users/u1", "User"),
        (Patch, "/api/v2/org/acme/users/u1", "UpdateUser"),
        (Delete, "/api/v2/org/acme/users/u1", "DeleteUser"),
        (Get, "/api/v2/org/acme/totp-connection", "Connection"),
        (Put, "/api/v2/org/acme/totp-connection", "UpdateConnection"),
        (Post, "/api/v2/org/acme/totp-enrollment", "Enroll"),
        (
            Put,
            "/api/v2/org/acme/totp-enrollment/validation/u1",
            "ValidateEnrollment",
        ),
        (
            Delete,
            "/api/v2/org/acme/totp-enrollment/u1",
            "DeleteEnrollment",
        ),
        (
            Post,
            "/api/v2/org/acme/totp-recovery-codes/u1",
            "RegenerateRecoveryCodes",
        ),
        (Post, "/api/v2/org/acme/totp-import", "ImportFactors"),
        (Post, "/api/v2/org/acme/totp-challenge/u1", "Challenge"),
        (
            Post,
            "/api/v2/org/acme/totp-challenge/validation/u1",
            "ValidateChallenge",
        ),
        (Get, "/api/v2/org/acme/audit-events", "AuditEvents"),
    ];
    for (method, path, expected) in &table {
        assert_eq!(
            name(method.clone(), path),
            Some(*expected),
            "{method:?} {path}"
        );
    }
    // The document lists each of them, and nothing else.
    let document: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi.json")).unwrap();
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|operations| operations.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, table.len());
}

#[test]
fn paths_carry_their_parameters() {
    let challenge = route(
        &Method::Post,
        &segments("/api/v2/org/acme/totp-challenge/validation/u-9"),
    );
    assert!(matches!(
        challenge,
        Some(Route::Operation(Operation::Tenant(TenantRoute::Org(
            "acme",
            OrgRoute::ValidateChallenge("u-9")
        ))))
    ));
    let revoke = route(
        &Method::Delete,
        &segments("/admin/accounts/acme/api-keys/k-1"),
    );
    assert!(matches!(
        revoke,
        Some(Route::Operation(Operation::Operator(
            OperatorRoute::RevokeApiKey("acme", "k-1")
        )))
    ));
}

#[test]
fn unknown_paths_and_methods_route_nowhere_and_say_what_is_allowed() {
    assert_eq!(name(Method::Get, "/nope"), None);
    assert_eq!(name(Method::Get, "/api/v2/org/acme/users/u1/extra"), None);
    assert_eq!(name(Method::Post, "/health"), None);
    assert_eq!(
        name(Method::Get, "/health/object"),
        None,
        "the hop is the operator's now"
    );
    assert_eq!(allowed_methods(&segments("/health")), ["GET"]);
    assert_eq!(
        allowed_methods(&segments("/api/v2/organizations")),
        ["GET", "POST"]
    );
    assert_eq!(
        allowed_methods(&segments("/api/v2/org/acme/users/u1")),
        ["GET", "PATCH", "DELETE"]
    );
    assert_eq!(
        allowed_methods(&segments("/api/v2/org/acme/totp-connection")),
        ["GET", "PUT"]
    );
    assert!(allowed_methods(&segments("/nope")).is_empty());
}

fn form(body: &str) -> Input {
    Input::from_form(body.as_bytes()).unwrap()
}

fn json(value: serde_json::Value) -> Input {
    Input::from_json(value.to_string().as_bytes()).unwrap()
}

#[test]
fn bodies_that_are_not_an_object_or_not_utf8_are_refused_with_their_reason() {
    use super::HttpError;
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
fn bodies_are_limited_as_documented() {
    // 16 KiB for every route, 256 KiB for an import of up to 500 entries (README, OpenAPI 413).
    assert_eq!(super::input::MAX_BODY, 16_384);
    assert_eq!(super::input::MAX_IMPORT_BODY, 262_144);
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

#[test]
fn routes_become_commands_with_their_input_checked_for_shape() {
    let enroll = org_command(OrgRoute::Enroll, &form("user_id=u1&force_enroll=1")).unwrap();
    assert!(matches!(enroll, OrgCommand::Enroll { ref user_id, force: true } if user_id == "u1"));
    let plain = org_command(OrgRoute::Enroll, &form("user_id=u1")).unwrap();
    assert!(matches!(plain, OrgCommand::Enroll { force: false, .. }));
    match org_command(OrgRoute::Enroll, &form("")) {
        Err(super::HttpError::Domain(Error::Invalid { field, .. })) => assert_eq!(field, "user_id"),
        other => panic!("{other:?}"),
    }
    let user = org_command(
        OrgRoute::CreateUser,
        &form("profile[email]=a@b.co&given_name=Ann"),
    )
    .unwrap();
    let OrgCommand::CreateUser { user } = user else {
        panic!("{user:?}")
    };
    assert_eq!(
        (user.email.as_deref(), user.given_name.as_deref()),
        (Some("a@b.co"), Some("Ann"))
    );
    let validate = org_command(OrgRoute::ValidateChallenge("u2"), &form("code=123456")).unwrap();
    assert!(
        matches!(validate, OrgCommand::ValidateChallenge { ref user_id, ref code } if user_id == "u2" && code == "123456")
    );
    let connection = org_command(
        OrgRoute::UpdateConnection,
        &form("active=true&period=30&method=sms"),
    )
    .unwrap();
    let OrgCommand::UpdateConnection { update } = connection else {
        panic!()
    };
    assert_eq!(
        (update.active, update.period, update.method.as_deref()),
        (Some(true), Some(30), Some("sms"))
    );
    let import = org_command(OrgRoute::ImportFactors, &json(json!({ "factors": "no" })));
    assert!(import.is_err());
    let import = org_command(
        OrgRoute::ImportFactors,
        &json(json!({ "factors": [{ "user_id": "u", "otpauth_uri": "x" }], "replace": true })),
    )
    .unwrap();
    assert!(
        matches!(import, OrgCommand::ImportFactors { ref request } if request.replace && request.factors.len() == 1)
    );
    let users = org_command(OrgRoute::Users, &form("page=2")).unwrap();
    assert!(matches!(users, OrgCommand::Users { page } if page.page == 2));
}

#[test]
fn only_creating_commands_keep_answers_and_each_says_what_it_holds() {
    use totp_domain::org::AnswerKind;
    let kind = |route, input: &Input| org_command(route, input).unwrap().kept_answer_kind();
    assert_eq!(
        kind(OrgRoute::CreateUser, &form("email=a@b.co")).unwrap(),
        AnswerKind::Profile
    );
    assert_eq!(
        kind(OrgRoute::Enroll, &form("user_id=u")).unwrap(),
        AnswerKind::Enrollment
    );
    assert_eq!(
        kind(OrgRoute::Challenge("u"), &form("")).unwrap(),
        AnswerKind::Challenge
    );
    assert!(kind(OrgRoute::ValidateChallenge("u"), &form("code=1")).is_err());
    assert!(kind(OrgRoute::Users, &form("")).is_err());
}
