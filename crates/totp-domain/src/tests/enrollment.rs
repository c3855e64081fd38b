//! Users, the connection, enrollment and its validation.

use super::{Org, T0, recovery_codes, totp_of, wrong};
use crate::error::{Error, Record};
use crate::factor::FactorStatus;
use crate::model::PageRequest;
use crate::org::{ConnectionUpdate, NewUser};

#[test]
fn a_new_organization_has_an_inactive_connection_with_the_defaults() {
    let org = Org::new();
    let connection = org.at(T0).connection().unwrap();
    assert!(!connection.active);
    assert_eq!(connection.issuer, "Communitiz App");
    assert_eq!(
        (connection.period, connection.skew, connection.max_attempts),
        (30, 1, 5)
    );
    org.at(T0 + 5).open().unwrap();
    assert_eq!(
        org.at(T0).connection().unwrap(),
        connection,
        "opening again changes nothing"
    );
}

#[test]
fn duplicate_emails_are_refused_whatever_their_case() {
    let org = Org::new();
    org.with_user();
    let new = NewUser {
        email: Some("EMILIE@communitiz-app.co".into()),
        ..Default::default()
    };
    let error = org.at(T0).create_user(new).unwrap_err();
    assert_eq!(error, Error::EmailTaken);
    let by_email = org.at(T0).user("Emilie@Communitiz-App.co").unwrap();
    assert_eq!(by_email.profile.email, "emilie@communitiz-app.co");
    assert_eq!(org.at(T0).user(&by_email.id).unwrap(), by_email);
    assert_eq!(
        org.at(T0).user("nobody"),
        Err(Error::NotFound(Record::User))
    );
}

#[test]
fn a_look_alike_email_is_refused_and_finds_no_one() {
    let org = Org::new();
    let kate = org.user("kate@acme.test");
    org.user("isa@acme.test");
    for look_alike in [
        "\u{212A}ate@acme.test",
        "KATE@ACME.TEST\u{200D}",
        "\u{FF4B}ate@acme.test",
        "\u{0130}sa@acme.test",
        "\u{0131}sa@acme.test",
    ] {
        let new = NewUser {
            email: Some(look_alike.into()),
            ..Default::default()
        };
        assert!(
            matches!(
                org.at(T0).create_user(new),
                Err(Error::Invalid {
                    field: "profile[email]",
                    ..
                })
            ),
            "{look_alike}"
        );
        assert_eq!(
            org.at(T0).user(look_alike),
            Err(Error::NotFound(Record::User)),
            "{look_alike}"
        );
    }
    assert_eq!(org.at(T0).user("KATE@acme.TEST").unwrap().id, kate);
}

#[test]
fn user_fields_are_checked_and_named() {
    let org = Org::new();
    let field = |new: NewUser| match org.at(T0).create_user(new) {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(NewUser::default()), "profile[email]");
    let bad_phone = NewUser {
        email: Some("a@b.co".into()),
        phone_number: Some("0612".into()),
        ..Default::default()
    };
    assert_eq!(field(bad_phone), "profile[phone_number]");
    let full = NewUser {
        email: Some(" a@b.co ".into()),
        given_name: Some("Émilie".into()),
        family_name: Some(" ".into()),
        phone_number: Some("+33612345678".into()),
    };
    let user = org.at(T0).create_user(full).unwrap();
    assert_eq!(user.profile.email, "a@b.co");
    assert_eq!(user.profile.given_name.as_deref(), Some("Émilie"));
    assert_eq!(user.profile.family_name, None);
    assert_eq!(user.profile.phone_number.as_deref(), Some("+33612345678"));
    assert_eq!(org.at(T0).user(&user.id).unwrap(), user);
}

#[test]
fn users_are_paginated_with_totals() {
    let org = Org::new();
    org.with_user();
    for n in 0..4 {
        let new = NewUser {
            email: Some(format!("u{n}@example.com")),
            ..Default::default()
        };
        org.at(T0 + 1 + n).create_user(new).unwrap();
    }
    let page = org.at(T0).users(PageRequest::numbered(2, 2)).unwrap();
    assert_eq!(
        (
            page.data.len(),
            page.total_count,
            page.next_page,
            page.previous_page
        ),
        (2, 5, Some(3), Some(1))
    );
    let emails: Vec<&str> = page
        .data
        .iter()
        .map(|user| user.profile.email.as_str())
        .collect();
    assert_eq!(
        emails,
        ["u1@example.com", "u2@example.com"],
        "oldest first, after the first page"
    );
}

#[test]
fn an_inactive_connection_refuses_enrollment_and_challenges() {
    let org = Org::new();
    let (user, _, _) = org.active();
    org.configure(ConnectionUpdate {
        active: Some(false),
        ..Default::default()
    });
    assert!(matches!(
        org.at(T0).enroll(&user, false),
        Err(Error::ConnectionInactive)
    ));
    assert!(matches!(
        org.at(T0).create_challenge(&user),
        Err(Error::ConnectionInactive)
    ));
    assert!(matches!(
        org.at(T0).validate_challenge(&user, "123456"),
        Err(Error::ConnectionInactive)
    ));
}

#[test]
fn nonsense_connection_values_name_their_field_and_change_nothing() {
    let org = Org::new();
    let before = org.at(T0).connection().unwrap();
    let cases = [
        (
            ConnectionUpdate {
                digits: Some(9),
                ..Default::default()
            },
            "digits",
        ),
        (
            ConnectionUpdate {
                period: Some(14),
                ..Default::default()
            },
            "period",
        ),
        (
            ConnectionUpdate {
                period: Some(61),
                ..Default::default()
            },
            "period",
        ),
        (
            ConnectionUpdate {
                method: Some("email".into()),
                ..Default::default()
            },
            "method",
        ),
        (
            ConnectionUpdate {
                algorithm: Some("MD5".into()),
                ..Default::default()
            },
            "algorithm",
        ),
        (
            ConnectionUpdate {
                skew: Some(2),
                ..Default::default()
            },
            "skew",
        ),
        (
            ConnectionUpdate {
                issuer: Some("a:b".into()),
                ..Default::default()
            },
            "issuer",
        ),
        (
            ConnectionUpdate {
                max_attempts: Some(0),
                ..Default::default()
            },
            "max_attempts",
        ),
        (
            ConnectionUpdate {
                max_attempts: Some(21),
                ..Default::default()
            },
            "max_attempts",
        ),
        (
            ConnectionUpdate {
                active: Some(true),
                digits: Some(5),
                ..Default::default()
            },
            "digits",
        ),
    ];
    for (update, field) in cases {
        match org.at(T0 + 1).update_connection(update) {
            Err(Error::Invalid { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(org.at(T0).connection().unwrap(), before);
}

#[test]
fn connection_updates_keep_absent_fields_and_accept_the_bounds() {
    let org = Org::new();
    let updated = org
        .at(T0 + 7)
        .update_connection(ConnectionUpdate {
            algorithm: Some("SHA256".into()),
            digits: Some(8),
            period: Some(60),
            skew: Some(0),
            max_attempts: Some(20),
            issuer: Some(" Acme ".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(updated.issuer, "Acme");
    assert_eq!(
        (updated.period, updated.skew, updated.max_attempts),
        (60, 0, 20)
    );
    assert_eq!(updated.updated_at, T0 + 7);
    assert!(!updated.active);
    assert_eq!(org.at(T0).connection().unwrap(), updated);
}

#[test]
fn enrollment_returns_a_uri_five_recovery_codes_and_validates_once() {
    let org = Org::new();
    let (user, totp, created) = org.enrolled();
    assert_eq!(recovery_codes(&created).len(), 5);
    assert_eq!(created.recovery_codes_remaining, 5);
    assert_eq!(created.secret.as_deref().map(str::len), Some(32));
    assert_eq!(created.status, FactorStatus::Pending);
    let code = totp.generate(T0);
    assert!(
        org.at(T0)
            .validate_enrollment(&user, code.as_str())
            .unwrap()
            .success
    );
    assert_eq!(org.factor(&user).status, FactorStatus::Active);
    assert!(matches!(
        org.at(T0 + 1).validate_enrollment(&user, code.as_str()),
        Err(Error::AlreadyValidated)
    ));
}

#[test]
fn the_uri_carries_the_connection_parameters() {
    let org = Org::new();
    let user = org.with_user();
    org.configure(ConnectionUpdate {
        algorithm: Some("SHA512".into()),
        digits: Some(8),
        period: Some(60),
        ..Default::default()
    });
    let created = org.at(T0).enroll(&user, false).unwrap();
    let uri = created.otpauth_uri.as_deref().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Communitiz%20App:emilie%40communitiz-app.co?"),
        "{uri}"
    );
    let totp = totp_of(&created);
    assert_eq!((totp.period(), totp.generate(T0).as_str().len()), (60, 8));
    assert!(
        org.at(T0)
            .validate_enrollment(&user, totp.generate(T0).as_str())
            .unwrap()
            .success
    );
}

#[test]
fn a_wrong_enrollment_code_leaves_it_pending_and_counts() {
    let org = Org::new();
    let (user, totp, _) = org.enrolled();
    let bad = wrong(totp.generate(T0).as_str());
    let result = org.at(T0).validate_enrollment(&user, &bad).unwrap();
    assert_eq!((result.success, result.failed_attempts), (false, 1));
    assert_eq!(org.factor(&user).status, FactorStatus::Pending);
    assert!(matches!(
        org.at(T0).create_challenge(&user),
        Err(Error::EnrollmentPending)
    ));
}

#[test]
fn unknown_and_unenrolled_users_are_told_apart() {
    let org = Org::new();
    let user = org.with_user();
    assert_eq!(
        org.at(T0).validate_enrollment(&user, "123456"),
        Err(Error::NotEnrolled)
    );
    assert_eq!(
        org.at(T0).create_challenge(&user).unwrap_err(),
        Error::NotEnrolled
    );
    assert_eq!(
        org.at(T0).enroll("nobody", false).unwrap_err(),
        Error::NotFound(Record::User)
    );
}

#[test]
fn at_most_five_reenrollments_without_force() {
    let org = Org::new();
    let (user, _, _) = org.enrolled();
    for _ in 0..5 {
        let again = org.at(T0).enroll(&user, false).unwrap();
        assert!(again.recovery_codes.is_none(), "the first codes stay valid");
        assert_eq!(again.recovery_codes_remaining, 5);
    }
    assert!(matches!(
        org.at(T0).enroll(&user, false),
        Err(Error::EnrollmentLimit)
    ));
    assert_eq!(org.factor(&user).generation, 6);
    org.at(T0).enroll(&user, true).unwrap();
    org.at(T0).enroll(&user, false).unwrap();
    assert_eq!(org.factor(&user).generation, 8);
}

#[test]
fn sms_enrollment_and_challenges_answer_the_code_to_send() {
    let org = Org::new();
    let user = org.with_user();
    org.on_sms();
    let created = org.at(T0).enroll(&user, false).unwrap();
    assert!(created.otpauth_uri.is_none() && created.secret.is_none());
    let code = created.code.unwrap();
    assert!(created.expires_at.unwrap() >= T0 + 30);
    assert!(
        org.at(T0 + 5)
            .validate_enrollment(&user, &code)
            .unwrap()
            .success
    );
    let challenge = org.at(T0 + 60).create_challenge(&user).unwrap();
    let sms = challenge.code.unwrap();
    assert!(
        org.at(T0 + 70)
            .validate_challenge(&user, &sms)
            .unwrap()
            .success
    );
}
