//! Idempotent creating requests: the first runs, a retry with the same fields replays its
//! answer, another body is refused, the answer is kept sealed for 24 hours; in the control
//! plane (see `tenants.rs`) a retry during the first gets 409 and a failed request releases its
//! key.

use serde_json::json;

use super::{Org, T0};
use crate::error::Error;
use crate::idempotency::{Answer, IdempotentRequest, RETENTION, fingerprint};
use crate::org::AnswerKind::{Enrollment, Profile};

fn request(key: &str, route: &str, fields: serde_json::Value) -> IdempotentRequest {
    IdempotentRequest::new(key, route.into(), fingerprint(&fields), "client-1".into()).unwrap()
}

#[test]
fn a_retried_enrollment_replays_the_same_secret_and_codes_and_runs_once() {
    let org = Org::new();
    let user = org.with_user();
    let retry = request("k-1", "POST /enroll", json!({ "user_id": user }));
    let enroll = || {
        let created = org.at(T0).enroll(&user, false)?;
        Ok(Answer {
            status: 201,
            body: serde_json::to_value(created).unwrap(),
        })
    };
    let first = org.at(T0).idempotent(&retry, Enrollment, enroll).unwrap();
    let again = org
        .at(T0 + 5)
        .idempotent(&retry, Enrollment, enroll)
        .unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.answer, again.answer);
    assert_eq!(org.factor(&user).generation, 1, "ran once");
    // Kept sealed: neither the secret nor a recovery code is in the table, as stored or
    // decoded from the base64 storage writes binary values in.
    let secret = first.answer.body["secret"].as_str().unwrap();
    let codes = first.answer.body["recovery_codes"].as_str().unwrap();
    let stored = super::stored_bytes(&org, "idempotency");
    assert!(!stored.is_empty());
    for needle in [secret, &codes[..10]] {
        assert!(
            !super::holds(&stored, needle),
            "{needle} is stored in clear"
        );
    }
    // The scan sees what storage encodes: the same answer written as storage writes a blob
    // is found.
    let planted = crate::sql::blob(serde_json::to_string(&first.answer).unwrap().as_bytes());
    let crate::sql::Value::Text(planted) = planted else {
        panic!("blobs are text")
    };
    let seen = super::readable([planted]);
    assert!(super::holds(&seen, secret), "the scan cannot see a blob");
    // The same key with other fields is refused, naming the header.
    let other = request(
        "k-1",
        "POST /enroll",
        json!({ "user_id": user, "force_enroll": true }),
    );
    match org.at(T0 + 6).idempotent(&other, Enrollment, enroll) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "Idempotency-Key"),
        other => panic!("{other:?}"),
    }
    // Another route is another scope.
    let elsewhere = request("k-1", "POST /other", json!({ "user_id": user }));
    assert!(
        !org.at(T0 + 7)
            .idempotent(&elsewhere, Enrollment, enroll)
            .unwrap()
            .replayed
    );
    assert_eq!(org.factor(&user).generation, 2);
    // After 24 hours the key is forgotten: the request runs again.
    let later = org
        .at(T0 + RETENTION + 1)
        .idempotent(&retry, Enrollment, enroll)
        .unwrap();
    assert!(!later.replayed);
    assert_eq!(org.factor(&user).generation, 3);
}

#[test]
fn a_failed_request_keeps_nothing_and_can_be_retried() {
    let org = Org::new();
    let retry = request(
        "k-2",
        "POST /users",
        json!({ "profile": { "email": "a@b.co" } }),
    );
    let failing = || Err(Error::NotEnrolled);
    assert_eq!(
        org.at(T0).idempotent(&retry, Profile, failing),
        Err(Error::NotEnrolled)
    );
    let create = || {
        Ok(Answer {
            status: 201,
            body: json!({ "id": "u-1" }),
        })
    };
    assert!(
        !org.at(T0)
            .idempotent(&retry, Profile, create)
            .unwrap()
            .replayed
    );
}

#[test]
fn deleting_a_user_forgets_the_answers_about_them() {
    let org = Org::new();
    let user = org.with_user();
    let retry = request("k-3", "POST /enroll", json!({ "user_id": user }));
    let enroll = || {
        let created = org.at(T0).enroll(&user, false)?;
        Ok(Answer {
            status: 201,
            body: serde_json::to_value(created).unwrap(),
        })
    };
    org.at(T0).idempotent(&retry, Enrollment, enroll).unwrap();
    org.at(T0 + 1).delete_user(&user).unwrap();
    let kept = super::export(&org).tables["idempotency"].clone();
    assert_eq!(kept.as_array().unwrap().len(), 0, "{kept}");
}

#[test]
fn expired_answers_are_deleted_and_the_next_expiry_is_known() {
    use crate::org::idempotency::forget_expired_answers;
    let org = Org::new();
    let create = |id: &str| {
        let body = json!({ "id": id });
        move || Ok(Answer { status: 201, body })
    };
    assert_eq!(forget_expired_answers(&org.db, T0).unwrap(), None);
    org.at(T0)
        .idempotent(&request("a", "POST /u", json!({})), Profile, create("a"))
        .unwrap();
    org.at(T0 + 100)
        .idempotent(&request("b", "POST /u", json!({})), Profile, create("b"))
        .unwrap();
    assert_eq!(
        forget_expired_answers(&org.db, T0 + 10).unwrap(),
        Some(RETENTION + 1 - 10)
    );
    // At RETENTION the first is still kept (replayed); a second later it is gone.
    assert_eq!(
        forget_expired_answers(&org.db, T0 + RETENTION).unwrap(),
        Some(1)
    );
    assert_eq!(
        forget_expired_answers(&org.db, T0 + RETENTION + 1).unwrap(),
        Some(100)
    );
    let kept = super::export(&org).tables["idempotency"].clone();
    assert_eq!(kept.as_array().unwrap().len(), 1);
    assert_eq!(
        forget_expired_answers(&org.db, T0 + RETENTION + 101).unwrap(),
        None
    );
}
