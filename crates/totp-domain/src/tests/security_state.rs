//! What attempts earn belongs to the user: no change of secret (import, removal, a new
//! enrollment) resets it, and no kept answer outlives the secret it holds.

use serde_json::json;

use super::{Org, T0, totp_of, wrong};
use crate::error::Error;
use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
use crate::model::PageRequest;
use crate::org::{AnswerKind, ConnectionUpdate, ImportEntry, ImportRequest, Refusal, UserUpdate};

const RFC_SHA1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn strict(org: &Org) {
    org.configure(ConnectionUpdate {
        max_attempts: Some(1),
        ..Default::default()
    });
}

fn import(org: &Org, user: &str, secret: &str, replace: bool) -> crate::org::ImportReport {
    org.at(T0)
        .import_factors(ImportRequest {
            factors: vec![ImportEntry {
                user_id: Some(user.into()),
                otpauth_uri: Some(format!("otpauth://totp/x:y?secret={secret}")),
                ..Default::default()
            }],
            issue_recovery_codes: false,
            replace,
            add_factor: false,
        })
        .unwrap()
}

fn throttled<T: std::fmt::Debug>(result: crate::error::Result<T>) {
    assert!(matches!(result, Err(Error::Throttled { .. })), "{result:?}");
}

#[test]
fn an_import_with_replace_keeps_the_lockout() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    strict(&org);
    let now = T0 + 60;
    let result = org
        .at(now)
        .validate_challenge(&user, &wrong(totp.generate(now).as_str()))
        .unwrap();
    assert_eq!(result.failed_attempts, 1);
    assert_eq!(import(&org, &user, RFC_SHA1, true).imported, 1);
    throttled(org.at(now + 1).validate_challenge(&user, "000000"));
    assert_eq!(org.guard(&user).failures, 1);
}

#[test]
fn a_code_accepted_once_is_refused_after_the_same_secret_is_imported_again() {
    let org = Org::new();
    let user = org.with_user();
    import(&org, &user, RFC_SHA1, false);
    let now = 2_000_000_000; // RFC 6238: 69279037 at this second (SHA-1).
    assert!(
        org.at(now)
            .validate_challenge(&user, "279037")
            .unwrap()
            .success
    );
    assert!(
        !org.at(now)
            .validate_challenge(&user, "279037")
            .unwrap()
            .success
    );
    assert_eq!(import(&org, &user, RFC_SHA1, true).imported, 1);
    let again = org.at(now + 1).validate_challenge(&user, "279037").unwrap();
    assert!(!again.success, "the same (secret, step) twice");
}

#[test]
fn without_replace_an_import_leaves_a_pending_factor_alone() {
    let org = Org::new();
    let (user, totp, _) = org.enrolled();
    strict(&org);
    org.at(T0 + 60)
        .validate_enrollment(&user, &wrong(totp.generate(T0 + 60).as_str()))
        .unwrap();
    let report = import(&org, &user, RFC_SHA1, false);
    assert_eq!(report.results[0].error, Some(Refusal::ExistingFactor));
    throttled(
        org.at(T0 + 61)
            .validate_enrollment(&user, totp.generate(T0 + 61).as_str()),
    );
    assert_eq!(org.factor(&user).generation, 1, "unchanged");
}

#[test]
fn removing_a_factor_and_enrolling_again_keeps_failures_and_the_enrollment_count() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let now = T0 + 60;
    for _ in 0..3 {
        org.at(now)
            .validate_challenge(&user, &wrong(totp.generate(now).as_str()))
            .unwrap();
    }
    org.at(now).delete_enrollment(&user).unwrap();
    assert_eq!(org.guard(&user).failures, 3);
    let created = org.at(now + 1).enroll(&user, false).unwrap();
    let result = org
        .at(now + 1)
        .validate_enrollment(&user, &wrong(totp_of(&created).generate(now + 1).as_str()))
        .unwrap();
    assert_eq!(result.failed_attempts, 4);
    assert_eq!(
        org.guard(&user).enrollments,
        2,
        "the removal took no enrollment back"
    );
}

#[test]
fn only_a_forced_enrollment_clears_the_lockout() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    strict(&org);
    let now = T0 + 60;
    org.at(now)
        .validate_challenge(&user, &wrong(totp.generate(now).as_str()))
        .unwrap();
    org.at(now).enroll(&user, false).unwrap();
    assert_eq!(
        org.guard(&user).failures,
        1,
        "a standard enrollment clears nothing"
    );
    let forced = org.at(now + 1).enroll(&user, true).unwrap();
    assert_eq!(org.guard(&user).failures, 0);
    let next = totp_of(&forced);
    assert!(
        org.at(now + 31)
            .validate_enrollment(&user, next.generate(now + 31).as_str())
            .unwrap()
            .success
    );
}

#[test]
fn an_import_needs_no_active_connection() {
    let org = Org::new();
    let user = org.user("inactive@acme.test");
    assert_eq!(import(&org, &user, RFC_SHA1, false).imported, 1);
}

#[test]
fn imported_secrets_under_80_bits_are_refused_and_under_128_marked_weak() {
    let org = Org::new();
    let users: Vec<String> = (0..4)
        .map(|i| org.user(&format!("w{i}@acme.test")))
        .collect();
    // One byte ("AE"), refused with the whole request, naming the entry; nothing imported.
    let request = |secrets: &[&str]| ImportRequest {
        factors: secrets
            .iter()
            .zip(&users)
            .map(|(secret, user)| ImportEntry {
                user_id: Some(user.clone()),
                otpauth_uri: Some(format!("otpauth://totp/x:y?secret={secret}")),
                ..Default::default()
            })
            .collect(),
        issue_recovery_codes: false,
        replace: false,
        add_factor: false,
    };
    // 72 bits: refused.
    match org
        .at(T0)
        .import_factors(request(&[RFC_SHA1, "AAAAAAAAAAAAAAA"]))
    {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "factors");
            assert!(message.starts_with("entry 1:"), "{message}");
            assert!(message.contains("72 bits"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        crate::org::store::factor(&org.db, &users[0])
            .unwrap()
            .is_none()
    );
    // 80 bits (16 base32 characters) and 120 bits are weak; 128 and 160 bits are not.
    let report = org
        .at(T0)
        .import_factors(request(&[
            "AAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAA",
            RFC_SHA1,
        ]))
        .unwrap();
    let weak: Vec<bool> = report.results.iter().map(|r| r.weak_secret).collect();
    assert_eq!((report.imported, weak), (4, vec![true, true, false, false]));
}

fn keyed(key: &str, client: &str, route: &str) -> IdempotentRequest {
    IdempotentRequest::new(key, route.into(), fingerprint(&json!({})), client.into()).unwrap()
}

fn kept(org: &Org) -> usize {
    super::export(org).tables["idempotency"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_kept_enrollment_goes_when_its_secret_stops_being_pending() {
    let org = Org::new();
    let user = org.with_user();
    let retry = keyed(&format!("enroll-{user}"), "client-1", "POST /enroll");
    let enroll = |now: u64| {
        let user = user.clone();
        let org = &org;
        move || {
            let created = org.at(now).enroll(&user, false)?;
            Ok(Answer {
                status: 201,
                body: serde_json::to_value(created).unwrap(),
            })
        }
    };
    let first = org
        .at(T0)
        .idempotent(&retry, AnswerKind::Enrollment, enroll(T0))
        .unwrap();
    let again = org
        .at(T0)
        .idempotent(&retry, AnswerKind::Enrollment, enroll(T0))
        .unwrap();
    assert!(again.replayed, "kept while pending");
    // Another API key of the same account never gets it.
    let theirs = keyed(&format!("enroll-{user}"), "client-2", "POST /enroll");
    assert!(
        !org.at(T0)
            .idempotent(&theirs, AnswerKind::Enrollment, enroll(T0))
            .unwrap()
            .replayed
    );
    let secret = org
        .at(T0)
        .idempotent(&theirs, AnswerKind::Enrollment, enroll(T0))
        .unwrap();
    let totp = otp_core::OtpauthUri::parse(secret.answer.body["otpauth_uri"].as_str().unwrap())
        .unwrap()
        .totp()
        .unwrap();
    assert_ne!(first.answer.body["secret"], secret.answer.body["secret"]);
    // Validated: both kept answers about the user's enrollment go in that transaction.
    let now = T0 + 30;
    assert!(
        org.at(now)
            .validate_enrollment(&user, totp.generate(now).as_str())
            .unwrap()
            .success
    );
    assert_eq!(kept(&org), 0);
    assert!(
        !org.at(now)
            .idempotent(&retry, AnswerKind::Enrollment, enroll(now))
            .unwrap()
            .replayed
    );
    // Each replay was audited, with the route and the user, never the body.
    let events = org
        .at(now)
        .audit_events(PageRequest::numbered(1, 100))
        .unwrap();
    let replays: Vec<_> = events
        .data
        .iter()
        .filter(|e| e.event == "idempotency.replayed")
        .collect();
    assert_eq!(replays.len(), 2);
    assert_eq!(replays[0].user_id.as_deref(), Some(user.as_str()));
    assert_eq!(replays[0].detail.as_deref(), Some("POST /enroll"));
}

#[test]
fn kept_answers_go_with_removal_regeneration_and_profile_changes() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let keep = |key: &str, kind: AnswerKind| {
        let body = json!({ "user_id": user, "secret": key });
        org.at(T0)
            .idempotent(&keyed(key, "c", "POST /x"), kind, move || {
                Ok(Answer { status: 201, body })
            })
            .unwrap();
    };
    keep("e1", AnswerKind::Enrollment);
    keep("p1", AnswerKind::Profile);
    assert_eq!(kept(&org), 2);
    let now = T0 + 30;
    let regenerated = org
        .at(now)
        .regenerate_recovery_codes(&user, totp.generate(now).as_str())
        .unwrap();
    assert!(regenerated.result.success);
    assert_eq!(kept(&org), 1, "the enrollment's answer held the old codes");
    keep("e2", AnswerKind::Enrollment);
    keep("c2", AnswerKind::Challenge);
    org.at(now).delete_enrollment(&user).unwrap();
    assert_eq!(kept(&org), 1, "the profile's answer stays");
    let update = UserUpdate {
        given_name: Some("Emilie".into()),
        ..Default::default()
    };
    org.at(now).update_user(&user, update).unwrap();
    assert_eq!(kept(&org), 0);
}

fn keys(recovery: u8, email_lookup: &str) -> crate::keys::Keys {
    super::keys_for("k2:2,k1:1", recovery, email_lookup)
}

#[test]
fn the_email_lookup_key_rotates_on_its_own_through_the_reseal_pass() {
    let mut org = Org::new();
    org.keys = keys(4, "e1:5");
    let user = org.user("rotate@acme.test");
    // A new lookup key first, the old one kept: still found, still taken.
    org.keys = keys(4, "e2:6,e1:5");
    assert_eq!(org.at(T0).user("Rotate@acme.test").unwrap().id, user);
    let again = crate::org::NewUser {
        email: Some("ROTATE@acme.test".into()),
        ..Default::default()
    };
    assert_eq!(
        org.at(T0).create_user(again).unwrap_err(),
        Error::EmailTaken
    );
    let report = org.at(T0).reseal(10).unwrap();
    assert_eq!((report.resealed, report.remaining), (1, false));
    // The old key dropped: found under the new one alone.
    org.keys = keys(4, "e2:6");
    assert_eq!(org.at(T0).user("rotate@acme.test").unwrap().id, user);
}

#[test]
fn rotating_the_recovery_key_keeps_users_found_by_email() {
    let mut org = Org::new();
    let (user, _, codes) = org.active();
    org.keys = keys(9, "e1:5");
    assert_eq!(
        org.at(T0).user("emilie@communitiz-app.co").unwrap().id,
        user
    );
    let old_code = org
        .at(T0 + 30)
        .validate_challenge(&user, &codes[0])
        .unwrap();
    assert!(
        !old_code.success,
        "recovery codes are reissued after this rotation"
    );
    let forced = org.at(T0 + 31).enroll(&user, true).unwrap();
    let fresh = super::recovery_codes(&forced);
    let totp = totp_of(&forced);
    let now = T0 + 61;
    assert!(
        org.at(now)
            .validate_enrollment(&user, totp.generate(now).as_str())
            .unwrap()
            .success
    );
    assert!(
        org.at(now + 1)
            .validate_challenge(&user, &fresh[0])
            .unwrap()
            .success
    );
}
