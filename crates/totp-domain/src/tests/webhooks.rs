//! Webhooks: endpoints with sealed secrets, one message per subscribed endpoint written in the
//! transaction of the change it reports, signed attempts, retries, and the audit trail's
//! retention.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value as Json;

use super::{Org, T0, holds, recovery_codes, stored_bytes, wrong};
use crate::error::{Error, Record};
use crate::model::PageRequest;
use crate::org::{AfterAttempt, AttemptReport, ConnectionUpdate, EndpointInput, NewUser};
use crate::webhook::{self, EventType, MAX_ATTEMPTS, MAX_ENDPOINTS};

fn endpoint(org: &Org, types: Option<&[&str]>) -> (String, Vec<u8>) {
    let created = org
        .at(T0)
        .create_webhook(EndpointInput {
            url: Some("https://hooks.example.com/totp".into()),
            event_types: types.map(|types| types.iter().map(|t| (*t).to_owned()).collect()),
            ..EndpointInput::default()
        })
        .unwrap();
    let secret = STANDARD
        .decode(created.secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    (created.id, secret)
}

/// The outbox's messages as (endpoint, type, payload).
fn outbox(org: &Org) -> Vec<(String, String, Json)> {
    let rows = super::export(org).tables["webhook_messages"].clone();
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|row| row["queued"] == 0)
        .map(|row| {
            (
                row["endpoint_id"].as_str().unwrap().to_owned(),
                row["event_type"].as_str().unwrap().to_owned(),
                serde_json::from_str(row["payload"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

fn types(messages: &[(String, String, Json)]) -> Vec<&str> {
    messages.iter().map(|(_, t, _)| t.as_str()).collect()
}

#[test]
fn an_endpoint_shows_its_secret_once_and_stores_it_sealed() {
    let org = Org::new();
    let created = org
        .at(T0)
        .create_webhook(EndpointInput {
            url: Some("https://hooks.example.com/a".into()),
            ..EndpointInput::default()
        })
        .unwrap();
    assert!(created.secret.starts_with("whsec_"));
    assert_eq!(created.event_types, EventType::ALL, "every type by default");
    assert!(created.enabled);
    let listed = serde_json::to_string(&org.at(T0).webhooks().unwrap()).unwrap();
    assert!(!listed.contains(&created.secret[6..]), "never listed");
    let stored = stored_bytes(&org, "webhook_endpoints");
    assert!(holds(&stored, "hooks.example.com"), "the scan sees the row");
    let raw = STANDARD.decode(&created.secret[6..]).unwrap();
    assert!(
        !stored
            .iter()
            .any(|text| text.as_bytes().windows(raw.len()).any(|w| w == raw)),
        "the secret is sealed"
    );
}

#[test]
fn each_change_writes_one_message_per_subscribed_endpoint() {
    let org = Org::new();
    let (all, _) = endpoint(&org, None);
    let (locks, _) = endpoint(&org, Some(&["user.locked"]));
    let (user, totp, codes) = org.active();
    let messages = outbox(&org);
    assert_eq!(
        types(&messages),
        ["connection.updated", "factor.enrolled", "factor.activated"]
    );
    assert!(messages.iter().all(|(endpoint, _, _)| *endpoint == all));
    // Five failures reach the backoff: one user.locked, to both endpoints.
    for _ in 0..5 {
        org.at(T0 + 30)
            .validate_challenge(&user, &wrong(totp.generate(T0 + 30).as_str()))
            .unwrap();
    }
    let locked: Vec<_> = outbox(&org)
        .into_iter()
        .filter(|(_, t, _)| t == "user.locked")
        .collect();
    assert_eq!(locked.len(), 2);
    assert!(locked.iter().any(|(endpoint, _, _)| *endpoint == locks));
    let data = &locked[0].2["data"];
    assert_eq!(
        (
            data["failed_attempts"].as_u64(),
            data["hard_lock"].as_bool()
        ),
        (Some(5), Some(false))
    );
    assert_eq!(data["until"].as_u64(), Some(T0 + 30 + 30));
    assert_eq!(locked[0].2["type"], "user.locked");
    assert_eq!(locked[0].2["timestamp"], webhook::rfc3339(T0 + 30));
    assert_eq!(data["user_id"], user.as_str());
    assert_eq!(data["organization_id"], "org-1");
    // Recovery codes: used, then low at one left.
    let later = T0 + 10 * 86_400;
    for (n, code) in codes.iter().take(4).enumerate() {
        let at = later + n as u64 * 86_400;
        assert!(org.at(at).validate_challenge(&user, code).unwrap().success);
    }
    let recovery: Vec<_> = outbox(&org)
        .into_iter()
        .filter(|(e, t, _)| *e == all && t.starts_with("recovery"))
        .map(|(_, t, p)| (t, p["data"]["recovery_codes_remaining"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        recovery,
        [
            ("recovery_code.used".to_owned(), 4),
            ("recovery_code.used".to_owned(), 3),
            ("recovery_code.used".to_owned(), 2),
            ("recovery_code.used".to_owned(), 1),
            ("recovery_codes.low".to_owned(), 1),
        ]
    );
}

#[test]
fn no_payload_holds_a_secret_a_code_or_a_profile_field() {
    let org = Org::new();
    endpoint(&org, None);
    let (user, totp, created) = org.enrolled();
    let code = totp.generate(T0);
    org.at(T0)
        .validate_enrollment(&user, code.as_str())
        .unwrap();
    let codes = recovery_codes(&created);
    org.at(T0 + 60)
        .validate_challenge(&user, &codes[0])
        .unwrap();
    org.at(T0 + 60)
        .regenerate_recovery_codes(&user, totp.generate(T0 + 60).as_str())
        .unwrap();
    org.at(T0 + 60).delete_user(&user).unwrap();
    let payloads: Vec<String> = outbox(&org).iter().map(|(_, _, p)| p.to_string()).collect();
    assert!(payloads.len() >= 6, "{payloads:?}");
    let secret = created.secret.unwrap();
    for needle in [
        secret.as_str(),
        code.as_str(),
        codes[0].as_str(),
        "emilie",
        "communitiz-app.co",
    ] {
        assert!(
            !payloads.iter().any(|p| p.contains(needle)),
            "{needle} in a payload"
        );
    }
    assert!(
        payloads.iter().any(|p| p.contains("user.deleted")),
        "the scan sees the payloads"
    );
}

#[test]
fn a_refused_change_writes_no_message_and_a_disabled_endpoint_gets_none() {
    let org = Org::new();
    let (id, _) = endpoint(&org, None);
    let user = org.with_user();
    let before = outbox(&org).len();
    assert!(org.at(T0).create_challenge(&user).is_err());
    assert!(
        org.at(T0)
            .update_connection(ConnectionUpdate {
                period: Some(5),
                ..ConnectionUpdate::default()
            })
            .is_err()
    );
    assert_eq!(outbox(&org).len(), before, "nothing for a refusal");
    org.at(T0)
        .update_webhook(
            &id,
            EndpointInput {
                enabled: Some(false),
                ..EndpointInput::default()
            },
        )
        .unwrap();
    org.at(T0).delete_user(&user).unwrap();
    assert_eq!(
        outbox(&org).len(),
        before,
        "nothing for a disabled endpoint"
    );
}

#[test]
fn attempts_are_signed_with_each_live_secret_and_retried_until_the_dead_letter_queue() {
    let org = Org::new();
    let (id, first) = endpoint(&org, Some(&["user.deleted"]));
    let user = org.user("gone@acme.test");
    org.at(T0).delete_user(&user).unwrap();
    let queued = org.at(T0).outbox(10).unwrap();
    assert_eq!(queued.len(), 1);
    org.at(T0).mark_queued(&queued).unwrap();
    assert!(org.at(T0).outbox(10).unwrap().is_empty());
    let message = queued[0].id.clone();
    let prepared = org
        .at(T0 + 5)
        .prepare_delivery(&message, 1)
        .unwrap()
        .unwrap();
    assert_eq!((prepared.attempt, prepared.timestamp), (1, T0 + 5));
    assert_eq!(
        prepared.signature,
        webhook::signature(&first, &message, T0 + 5, &prepared.body)
    );
    // A rotation: both secrets sign for 24 hours, then only the new one.
    let rotated = org.at(T0 + 10).rotate_webhook_secret(&id).unwrap();
    let second = STANDARD.decode(&rotated.secret[6..]).unwrap();
    assert_eq!(rotated.previous_secret_expires_at, Some(T0 + 10 + 86_400));
    let both = org
        .at(T0 + 20)
        .prepare_delivery(&message, 1)
        .unwrap()
        .unwrap();
    let signatures: Vec<&str> = both.signature.split(' ').collect();
    assert_eq!(
        signatures,
        [
            webhook::signature(&second, &message, T0 + 20, &both.body),
            webhook::signature(&first, &message, T0 + 20, &both.body)
        ]
    );
    let after = org
        .at(T0 + 10 + 86_400)
        .prepare_delivery(&message, 1)
        .unwrap()
        .unwrap();
    assert_eq!(after.signature.split(' ').count(), 1);
    // Failures retry with a doubling wait; the last goes to the dead-letter queue.
    let report = |attempt, status| AttemptReport {
        message_id: message.clone(),
        round: 1,
        attempt,
        status,
        error: status.is_none().then(|| "timeout".to_owned()),
        latency_ms: 12,
    };
    let mut nexts = Vec::new();
    for attempt in 1..=MAX_ATTEMPTS {
        let prepared = org
            .at(T0 + 30)
            .prepare_delivery(&message, 1)
            .unwrap()
            .unwrap();
        assert_eq!(prepared.attempt, attempt);
        nexts.push(
            org.at(T0 + 30)
                .record_attempt(report(attempt, Some(500)), 10)
                .unwrap(),
        );
    }
    assert_eq!(
        nexts,
        [10, 20, 40, 80, 160]
            .map(|after| AfterAttempt::Retry { after })
            .into_iter()
            .chain([AfterAttempt::DeadLetter])
            .collect::<Vec<_>>()
    );
    let listed = org.at(T0 + 30).webhook_deliveries(&id).unwrap();
    assert_eq!(listed.len(), MAX_ATTEMPTS as usize);
    assert_eq!(
        (listed[0].outcome.as_str(), listed[0].status),
        ("dead_lettered", Some(500))
    );
    // A manual retry: a new round, the same webhook-id; the old round sends nothing more.
    let requeued = org
        .at(T0 + 40)
        .retry_webhook_delivery(&id, &message)
        .unwrap();
    assert_eq!(
        (requeued.message_id.as_str(), requeued.round),
        (message.as_str(), 2)
    );
    assert_eq!(org.at(T0 + 40).outbox(10).unwrap()[0].id, message);
    assert_eq!(org.at(T0 + 40).prepare_delivery(&message, 1).unwrap(), None);
    let again = org
        .at(T0 + 40)
        .prepare_delivery(&message, 2)
        .unwrap()
        .unwrap();
    assert_eq!(again.attempt, 1);
    assert_eq!(
        org.at(T0 + 40)
            .record_attempt(report(1, Some(204)), 10)
            .unwrap(),
        AfterAttempt::Done
    );
    assert!(matches!(
        org.at(T0 + 40).retry_webhook_delivery(&id, "msg_unknown"),
        Err(Error::NotFound(Record::WebhookMessage))
    ));
    // A deleted endpoint has nothing to deliver.
    org.at(T0 + 50).delete_webhook(&id).unwrap();
    assert_eq!(org.at(T0 + 50).prepare_delivery(&message, 2).unwrap(), None);
    assert_eq!(
        org.at(T0 + 50).webhook(&id),
        Err(Error::NotFound(Record::Webhook))
    );
}

#[test]
fn endpoints_are_checked_and_bounded() {
    let org = Org::new();
    let create = |url: &str, types: Option<Vec<String>>, loopback| {
        org.at(T0).create_webhook(EndpointInput {
            url: Some(url.into()),
            event_types: types,
            enabled: None,
            loopback_http: loopback,
        })
    };
    assert!(matches!(
        create("http://127.0.0.1:9/x", None, false),
        Err(Error::Invalid { field: "url", .. })
    ));
    create("http://127.0.0.1:9/x", None, true).unwrap();
    assert!(matches!(
        create(
            "https://a.example/",
            Some(vec!["user.unlocked".into()]),
            false
        ),
        Err(Error::Invalid {
            field: "event_types",
            ..
        })
    ));
    assert!(matches!(
        create("https://a.example/", Some(vec![]), false),
        Err(Error::Invalid {
            field: "event_types",
            ..
        })
    ));
    for _ in 1..MAX_ENDPOINTS {
        create("https://a.example/", None, false).unwrap();
    }
    assert!(matches!(
        create("https://a.example/", None, false),
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn the_alarm_keeps_the_audit_trail_to_its_retention_in_batches() {
    let org = Org::new();
    org.configure(ConnectionUpdate {
        audit_retention_days: Some(30),
        ..ConnectionUpdate::default()
    });
    for n in 0..5 {
        org.at(T0 + n)
            .create_user(NewUser {
                email: Some(format!("u{n}@acme.test")),
                ..NewUser::default()
            })
            .unwrap();
    }
    let total = |now| {
        org.at(now)
            .audit_events(PageRequest::numbered(1, 1))
            .unwrap()
            .total_count
    };
    assert_eq!(total(T0), 6);
    let day = 86_400;
    // Nothing due yet: the next run when the oldest expires.
    assert_eq!(org.at(T0 + 10).maintain(2).unwrap(), Some(30 * day - 10));
    // Due: two a run, and the next run at once while more are due.
    let later = T0 + 30 * day + 10;
    assert_eq!(org.at(later).maintain(2).unwrap(), Some(1));
    assert_eq!(total(later), 4);
    org.at(later).maintain(2).unwrap();
    assert_eq!(
        org.at(later).maintain(2).unwrap(),
        None,
        "nothing left to expire"
    );
    assert_eq!(total(later), 0);
    assert!(matches!(
        org.at(T0).update_connection(ConnectionUpdate {
            audit_retention_days: Some(29),
            ..ConnectionUpdate::default()
        }),
        Err(Error::Invalid {
            field: "audit_retention_days",
            ..
        })
    ));
}

#[test]
fn endpoints_are_listed_and_a_rotation_ends_after_a_day() {
    let org = Org::new();
    let (id, _) = endpoint(&org, Some(&["user.deleted"]));
    let listed = org.at(T0).webhooks().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id.as_str(), listed[0].url.as_str()),
        (id.as_str(), "https://hooks.example.com/totp")
    );
    assert_eq!(listed[0].event_types, [EventType::UserDeleted]);
    let rotated = org.at(T0).rotate_webhook_secret(&id).unwrap();
    let until = rotated.previous_secret_expires_at.unwrap();
    assert_eq!(
        org.at(until - 1)
            .webhook(&id)
            .unwrap()
            .previous_secret_expires_at,
        Some(until)
    );
    assert_eq!(
        org.at(until)
            .webhook(&id)
            .unwrap()
            .previous_secret_expires_at,
        None
    );
}

#[test]
fn messages_and_attempts_go_after_seven_days() {
    let org = Org::new();
    let (id, _) = endpoint(&org, Some(&["user.deleted"]));
    let user = org.user("old@acme.test");
    org.at(T0).delete_user(&user).unwrap();
    let queued = org.at(T0).outbox(10).unwrap();
    org.at(T0).mark_queued(&queued).unwrap();
    let report = AttemptReport {
        message_id: queued[0].id.clone(),
        round: 1,
        attempt: 1,
        status: Some(204),
        error: None,
        latency_ms: 3,
    };
    org.at(T0).record_attempt(report, 30).unwrap();
    let week = 7 * 86_400;
    // Nothing else expires sooner in this organization than its audit trail's 400 days.
    assert_eq!(org.at(T0 + 10).maintain(1000).unwrap(), Some(week - 10));
    assert_eq!(org.at(T0 + 10).webhook_deliveries(&id).unwrap().len(), 1);
    org.at(T0 + week + 1).maintain(1000).unwrap();
    assert!(
        org.at(T0 + week + 1)
            .webhook_deliveries(&id)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        org.at(T0 + week + 1)
            .retry_webhook_delivery(&id, &queued[0].id),
        Err(Error::NotFound(Record::WebhookMessage))
    ));
}

#[test]
fn a_key_rotation_reseals_endpoint_secrets_and_they_still_sign() {
    let mut org = Org::new();
    org.keys = super::keys_with("k1:1");
    let (id, secret) = endpoint(&org, Some(&["user.deleted"]));
    org.at(T0).rotate_webhook_secret(&id).unwrap();
    org.keys = super::keys_with("k2:2,k1:1");
    let pending = org.at(T0).reseal(0).unwrap();
    assert!(pending.remaining, "an endpoint's secret is still under k1");
    let report = org.at(T0).reseal(100).unwrap();
    assert_eq!((report.resealed, report.remaining), (1, false));
    let stored = stored_bytes(&org, "webhook_endpoints");
    assert!(holds(&stored, "k2"), "sealed under the new key");
    // Only k2 now: both secrets were moved, and the older one still signs during the overlap.
    org.keys = super::keys_with("k2:2");
    let user = org.user("resealed@acme.test");
    org.at(T0 + 1).delete_user(&user).unwrap();
    let message = org.at(T0 + 1).outbox(10).unwrap()[0].id.clone();
    let prepared = org
        .at(T0 + 2)
        .prepare_delivery(&message, 1)
        .unwrap()
        .unwrap();
    assert!(
        prepared
            .signature
            .split(' ')
            .any(|one| one == webhook::signature(&secret, &message, T0 + 2, &prepared.body)),
        "the pre-rotation secret, re-sealed, signs during the overlap"
    );
}
