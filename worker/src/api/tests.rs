//! The operation table natively: which operation a method and path name, what each decides,
//! and what command each organization operation becomes.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;

use serde_json::json;
use totp_domain::error::Error;
use totp_domain::org::AnswerKind;
use worker::Method;

use super::{
    Idempotency, Keeper, MAX_BODY, MAX_IMPORT_BODY, Operation, OrgOp, Serve, allowed_methods, route,
};
use crate::org_object::OrgCommand;
use crate::wire::input::Input;

fn segments(path: &str) -> Vec<&str> {
    path.trim_matches('/').split('/').collect()
}

fn name(method: Method, path: &str) -> Option<&'static str> {
    route(&method, &segments(path)).map(|(operation, _)| operation.name())
}

#[test]
fn every_operation_of_the_document_is_routed_to_its_name() {
    use Method::{Delete, Get, Patch, Post, Put};
    let table = [
        (Get, "/health", "health"),
        (Get, "/openapi.json", "openapi"),
        (Get, "/openapi-admin.json", "openapiAdmin"),
        (Post, "/oauth/token", "createToken"),
        (Post, "/admin/accounts", "createAccount"),
        (Get, "/admin/accounts/acme", "getAccount"),
        (Post, "/admin/accounts/acme/api-keys", "createApiKey"),
        (Get, "/admin/accounts/acme/api-keys", "listApiKeys"),
        (Delete, "/admin/accounts/acme/api-keys/k1", "revokeApiKey"),
        (Post, "/admin/reseal", "reseal"),
        (Get, "/admin/organizations/o1/export", "exportOrganization"),
        (
            Post,
            "/admin/organizations/o1/restore",
            "restoreOrganization",
        ),
        (Get, "/admin/health", "deepHealth"),
        (Get, "/admin/health/object", "objectHealth"),
        (Post, "/api/v2/organizations", "createOrganization"),
        (Get, "/api/v2/organizations", "listOrganizations"),
        (Get, "/api/v2/organizations/acme", "getOrganization"),
        (Patch, "/api/v2/organizations/acme", "updateOrganization"),
        (Delete, "/api/v2/organizations/acme", "deleteOrganization"),
        (Post, "/api/v2/org/acme/users", "createUser"),
        (Get, "/api/v2/org/acme/users", "listUsers"),
        (Get, "/api/v2/org/acme/users/u1", "getUser"),
        (Patch, "/api/v2/org/acme/users/u1", "updateUser"),
        (Delete, "/api/v2/org/acme/users/u1", "deleteUser"),
        (Get, "/api/v2/org/acme/totp-connection", "getTotpConnection"),
        (
            Put,
            "/api/v2/org/acme/totp-connection",
            "updateTotpConnection",
        ),
        (Post, "/api/v2/org/acme/totp-enrollment", "enroll"),
        (
            Put,
            "/api/v2/org/acme/totp-enrollment/validation/u1",
            "validateEnrollment",
        ),
        (
            Get,
            "/api/v2/org/acme/totp-enrollment/u1",
            "getTotpEnrollment",
        ),
        (
            Delete,
            "/api/v2/org/acme/totp-enrollment/u1",
            "deleteEnrollment",
        ),
        (
            Post,
            "/api/v2/org/acme/totp-recovery-codes/u1",
            "regenerateRecoveryCodes",
        ),
        (Post, "/api/v2/org/acme/totp-import", "importFactors"),
        (
            Post,
            "/api/v2/org/acme/totp-challenge/u1",
            "createChallenge",
        ),
        (
            Post,
            "/api/v2/org/acme/totp-challenge/validation/u1",
            "validateChallenge",
        ),
        (Get, "/api/v2/org/acme/users/u1/factors", "listFactors"),
        (
            Patch,
            "/api/v2/org/acme/users/u1/factors/f1",
            "renameFactor",
        ),
        (
            Delete,
            "/api/v2/org/acme/users/u1/factors/f1",
            "deleteFactor",
        ),
        (
            Post,
            "/api/v2/org/acme/trusted-devices/verify/u1",
            "verifyTrustedDevice",
        ),
        (
            Get,
            "/api/v2/org/acme/users/u1/trusted-devices",
            "listTrustedDevices",
        ),
        (
            Delete,
            "/api/v2/org/acme/users/u1/trusted-devices/d1",
            "revokeTrustedDevice",
        ),
        (
            Delete,
            "/api/v2/org/acme/users/u1/trusted-devices",
            "revokeTrustedDevices",
        ),
        (Post, "/api/v2/org/acme/webhooks", "createWebhook"),
        (Get, "/api/v2/org/acme/webhooks", "listWebhooks"),
        (Get, "/api/v2/org/acme/webhooks/w1", "getWebhook"),
        (Patch, "/api/v2/org/acme/webhooks/w1", "updateWebhook"),
        (Delete, "/api/v2/org/acme/webhooks/w1", "deleteWebhook"),
        (
            Post,
            "/api/v2/org/acme/webhooks/w1/rotate-secret",
            "rotateWebhookSecret",
        ),
        (
            Get,
            "/api/v2/org/acme/webhooks/w1/deliveries",
            "listWebhookDeliveries",
        ),
        (
            Post,
            "/api/v2/org/acme/webhooks/w1/deliveries/m1/retry",
            "retryWebhookDelivery",
        ),
        (Get, "/api/v2/org/acme/audit-events", "listAuditEvents"),
    ];
    for (method, path, expected) in &table {
        assert_eq!(
            name(method.clone(), path),
            Some(*expected),
            "{method:?} {path}"
        );
    }
    // The table holds each of them once, and nothing else (the test build adds its alarm).
    let public: Vec<_> = Operation::all()
        .filter(|operation| operation.name() != "fireAlarm")
        .collect();
    assert_eq!(public.len(), table.len());
    let names: HashSet<_> = Operation::all().map(Operation::name).collect();
    let paths: HashSet<_> = Operation::all()
        .map(|operation| {
            let spec = operation.spec();
            (spec.method.to_string(), spec.path)
        })
        .collect();
    assert_eq!(names.len(), Operation::all().count(), "names are unique");
    assert_eq!(paths.len(), Operation::all().count(), "routes are unique");
}

#[test]
fn paths_carry_their_parameters() {
    let (operation, params) = route(
        &Method::Post,
        &segments("/api/v2/org/acme/totp-challenge/validation/u-9"),
    )
    .unwrap();
    assert_eq!(operation, Operation::Org(OrgOp::ValidateChallenge));
    assert_eq!(params.get("org_domain").unwrap(), "acme");
    assert_eq!(params.get("user_id").unwrap(), "u-9");
    assert!(params.get("domain").is_err(), "only the path's own names");
    let (_, params) = route(
        &Method::Delete,
        &segments("/admin/accounts/acme/api-keys/k-1"),
    )
    .unwrap();
    assert_eq!(
        (
            params.get("domain").unwrap(),
            params.get("client_id").unwrap()
        ),
        ("acme", "k-1")
    );
}

#[test]
fn unknown_paths_and_methods_route_nowhere_and_say_what_is_allowed() {
    assert_eq!(name(Method::Get, "/nope"), None);
    assert_eq!(name(Method::Get, "/api/v2/org/acme/users/u1/extra"), None);
    assert_eq!(name(Method::Get, "/api/v2/org/acme"), None);
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
    assert_eq!(
        allowed_methods(&segments("/api/v2/org/acme/totp-enrollment/u1")),
        ["GET", "DELETE"]
    );
    assert!(allowed_methods(&segments("/nope")).is_empty());
}

#[test]
fn bodies_are_limited_as_documented() {
    // 16 KiB for every route, 256 KiB for an import of up to 500 entries (README, OpenAPI 413).
    assert_eq!(MAX_BODY, 16_384);
    assert_eq!(MAX_IMPORT_BODY, 262_144);
    for operation in Operation::all() {
        let expected = if operation == Operation::Org(OrgOp::ImportFactors) {
            MAX_IMPORT_BODY
        } else {
            MAX_BODY
        };
        assert_eq!(operation.spec().body_limit, expected, "{operation:?}");
    }
}

#[test]
fn only_creating_operations_keep_answers_and_code_checks_refuse_keys() {
    let rule = |operation: Operation| operation.spec().idempotency;
    let kept = |kind| Idempotency::Kept(Keeper::Object(kind));
    assert_eq!(
        rule(Operation::Org(OrgOp::CreateUser)),
        kept(AnswerKind::Profile)
    );
    assert_eq!(
        rule(Operation::Org(OrgOp::Enroll)),
        kept(AnswerKind::Enrollment)
    );
    assert_eq!(
        rule(Operation::Org(OrgOp::CreateChallenge)),
        kept(AnswerKind::Challenge)
    );
    for checks_a_code in [
        OrgOp::ValidateEnrollment,
        OrgOp::ValidateChallenge,
        OrgOp::RegenerateRecoveryCodes,
        OrgOp::VerifyTrustedDevice,
    ] {
        assert_eq!(rule(Operation::Org(checks_a_code)), Idempotency::Refused);
    }
    let directory_keeps: Vec<_> = Operation::all()
        .filter(|operation| rule(*operation) == Idempotency::Kept(Keeper::Directory))
        .map(Operation::name)
        .collect();
    assert_eq!(directory_keeps, ["createOrganization"]);
    let keyed = Operation::all()
        .filter(|operation| rule(*operation) != Idempotency::Ignored)
        .count();
    assert_eq!(keyed, 8, "every other operation ignores the key");
}

#[test]
fn the_objects_serve_exactly_the_operations_under_an_organization() {
    for operation in Operation::all() {
        let spec = operation.spec();
        let by_object = matches!(spec.serve, Serve::Object(_));
        assert_eq!(
            by_object,
            matches!(operation, Operation::Org(_)),
            "{operation:?}"
        );
        assert_eq!(
            by_object,
            spec.path.starts_with("/api/v2/org/{org_domain}/"),
            "{operation:?}"
        );
    }
}

fn form(body: &str) -> Input {
    Input::from_form(body.as_bytes()).unwrap()
}

fn json(value: serde_json::Value) -> Input {
    Input::from_json(value.to_string().as_bytes()).unwrap()
}

/// The command `op` builds for the path `path` and `input`.
fn command(op: OrgOp, path: &str, input: &Input) -> totp_domain::error::Result<OrgCommand> {
    let spec = op.spec();
    let (routed, params) = route(&spec.method, &segments(path)).unwrap();
    assert_eq!(routed, Operation::Org(op));
    let Serve::Object(build) = spec.serve else {
        panic!("{op:?} is served by the Worker")
    };
    build(&params, input)
}

const ORG: &str = "/api/v2/org/acme";

#[test]
fn operations_become_commands_with_their_input_checked_for_shape() {
    let enroll = command(
        OrgOp::Enroll,
        &format!("{ORG}/totp-enrollment"),
        &form("user_id=u1&force_enroll=1"),
    )
    .unwrap();
    assert!(
        matches!(enroll, OrgCommand::Enroll { ref user_id, ref options } if user_id == "u1" && options.force && !options.add_factor)
    );
    let plain = command(
        OrgOp::Enroll,
        &format!("{ORG}/totp-enrollment"),
        &form("user_id=u1&add_factor=true&friendly_name=Work+phone"),
    )
    .unwrap();
    assert!(
        matches!(plain, OrgCommand::Enroll { ref options, .. } if !options.force && options.add_factor && options.friendly_name.as_deref() == Some("Work phone"))
    );
    match command(OrgOp::Enroll, &format!("{ORG}/totp-enrollment"), &form("")) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "user_id"),
        other => panic!("{other:?}"),
    }
    let user = command(
        OrgOp::CreateUser,
        &format!("{ORG}/users"),
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
    let validate = command(
        OrgOp::ValidateChallenge,
        &format!("{ORG}/totp-challenge/validation/u2"),
        &form("code=123456"),
    )
    .unwrap();
    assert!(
        matches!(validate, OrgCommand::ValidateChallenge { ref user_id, ref code, ref remember } if user_id == "u2" && code == "123456" && !remember.remember_device)
    );
    let remembering = command(
        OrgOp::ValidateChallenge,
        &format!("{ORG}/totp-challenge/validation/u2"),
        &form("code=123456&remember_device=1&device_name=Laptop"),
    )
    .unwrap();
    assert!(
        matches!(remembering, OrgCommand::ValidateChallenge { ref remember, .. } if remember.remember_device && remember.device_name.as_deref() == Some("Laptop"))
    );
    let rename = command(
        OrgOp::RenameFactor,
        &format!("{ORG}/users/u3/factors/f1"),
        &form("friendly_name=Backup"),
    )
    .unwrap();
    assert!(
        matches!(rename, OrgCommand::RenameFactor { ref user_id, ref factor_id, ref friendly_name } if user_id == "u3" && factor_id == "f1" && friendly_name.as_deref() == Some("Backup"))
    );
    let verify = command(
        OrgOp::VerifyTrustedDevice,
        &format!("{ORG}/trusted-devices/verify/u4"),
        &form("device_token=abc"),
    )
    .unwrap();
    assert!(
        matches!(verify, OrgCommand::VerifyTrustedDevice { ref user_id, ref device_token } if user_id == "u4" && device_token.as_deref() == Some("abc"))
    );
    let connection = command(
        OrgOp::UpdateConnection,
        &format!("{ORG}/totp-connection"),
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
    let import = format!("{ORG}/totp-import");
    let refused = command(
        OrgOp::ImportFactors,
        &import,
        &json(json!({ "factors": "no" })),
    );
    assert!(refused.is_err());
    let imported = command(
        OrgOp::ImportFactors,
        &import,
        &json(json!({ "factors": [{ "user_id": "u", "otpauth_uri": "x" }], "replace": true })),
    )
    .unwrap();
    assert!(
        matches!(imported, OrgCommand::ImportFactors { ref request } if request.replace && request.factors.len() == 1)
    );
    let users = command(OrgOp::Users, &format!("{ORG}/users"), &form("page=2")).unwrap();
    assert!(matches!(users, OrgCommand::Users { page } if page.page == 2));
    let user = command(OrgOp::DeleteUser, &format!("{ORG}/users/u7"), &form("")).unwrap();
    assert!(matches!(user, OrgCommand::DeleteUser { ref id } if id == "u7"));
}
