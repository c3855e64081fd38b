//! Several named factors per user: added beside the others, each revocable alone, any of them
//! answering a challenge, one failure count and one last accepted step for the user.

use super::{Org, T0, recovery_codes, totp_of, wrong};
use crate::error::{Error, Record};
use crate::factor::{FactorStatus, MAX_FACTORS};
use crate::model::PageRequest;
use crate::org::{EnrollOptions, ImportEntry, ImportRequest, Refusal};

fn add(name: &str) -> EnrollOptions {
    EnrollOptions {
        add_factor: true,
        friendly_name: Some(name.into()),
        ..EnrollOptions::default()
    }
}

/// A user with two active factors ("Phone" first, then "Backup"); their TOTPs and factor ids.
fn two_factors(org: &Org) -> (String, [(otp_core::Totp, String); 2]) {
    let (user, phone, _) = org.active();
    let phone_id = org.factor(&user).id;
    let created = org.at(T0).enroll_with(&user, add("Backup")).unwrap();
    assert_eq!(created.recovery_codes, None, "the user's codes stay");
    assert_eq!(created.recovery_codes_remaining, 5);
    let backup = totp_of(&created);
    let validated = org
        .at(T0 + 30)
        .validate_enrollment(&user, backup.generate(T0 + 30).as_str())
        .unwrap();
    assert!(validated.success);
    assert_eq!(
        validated.factor_id.as_deref(),
        Some(created.factor_id.as_str())
    );
    (user, [(phone, phone_id), (backup, created.factor_id)])
}

#[test]
fn a_second_factor_is_added_beside_the_first_and_either_answers() {
    let org = Org::new();
    let (user, [(phone, phone_id), (backup, backup_id)]) = two_factors(&org);
    let listed = org.at(T0 + 30).factors(&user).unwrap();
    let names: Vec<_> = listed.iter().map(|f| f.friendly_name.as_str()).collect();
    assert_eq!(names, ["Authenticator app", "Backup"], "oldest first");
    assert!(listed.iter().all(|f| f.status == FactorStatus::Active));

    let by_phone = org
        .at(T0 + 60)
        .validate_challenge(&user, phone.generate(T0 + 60).as_str())
        .unwrap();
    assert_eq!(by_phone.factor_id.as_deref(), Some(phone_id.as_str()));
    let by_backup = org
        .at(T0 + 90)
        .validate_challenge(&user, backup.generate(T0 + 90).as_str())
        .unwrap();
    assert_eq!(by_backup.factor_id.as_deref(), Some(backup_id.as_str()));
    let status = org.at(T0 + 90).enrollment_status(&user).unwrap();
    assert_eq!(status.active_factors, 2);
    assert_eq!(status.last_used_at, Some(T0 + 90));
}

#[test]
fn one_failure_count_and_one_last_step_for_all_factors() {
    let org = Org::new();
    let (user, [(phone, _), (backup, _)]) = two_factors(&org);
    let at = T0 + 120;
    let wrong_code = wrong(phone.generate(at).as_str());
    let refused = org.at(at).validate_challenge(&user, &wrong_code).unwrap();
    assert_eq!(refused.failed_attempts, 1);
    assert!(
        org.at(at)
            .validate_challenge(&user, phone.generate(at).as_str())
            .unwrap()
            .success
    );
    // The user's step is spent: the other device's code of the same step waits for the next.
    let same_step = org
        .at(at)
        .validate_challenge(&user, backup.generate(at).as_str())
        .unwrap();
    assert!(!same_step.success, "a step is accepted once per user");
    assert!(
        org.at(at + 30)
            .validate_challenge(&user, backup.generate(at + 30).as_str())
            .unwrap()
            .success
    );
}

#[test]
fn proving_an_added_factor_clears_no_failures() {
    let org = Org::new();
    let (user, phone, _) = org.active();
    let created = org.at(T0).enroll_with(&user, add("Backup")).unwrap();
    let wrong_code = wrong(phone.generate(T0 + 30).as_str());
    org.at(T0 + 30)
        .validate_challenge(&user, &wrong_code)
        .unwrap();
    let proven = org
        .at(T0 + 30)
        .validate_enrollment(&user, totp_of(&created).generate(T0 + 30).as_str())
        .unwrap();
    assert!(proven.success);
    assert_eq!(
        proven.failed_attempts, 1,
        "only an active factor's success clears"
    );
}

#[test]
fn a_user_holds_at_most_five_factors() {
    let org = Org::new();
    let (user, _, _) = org.active();
    for n in 1..MAX_FACTORS {
        org.at(T0)
            .enroll_with(&user, add(&format!("Key {n}")))
            .unwrap();
    }
    assert_eq!(
        org.at(T0).enroll_with(&user, add("Sixth")).unwrap_err(),
        Error::FactorLimit
    );
    let pending = org.at(T0).factors(&user).unwrap().pop().unwrap();
    org.at(T0).delete_factor(&user, &pending.id).unwrap();
    org.at(T0).enroll_with(&user, add("Sixth")).unwrap();
}

#[test]
fn names_are_checked_and_renamed_alone() {
    let org = Org::new();
    let (user, _, _) = org.active();
    let long = "x".repeat(65);
    for bad in ["", "  ", long.as_str()] {
        let refused = org.at(T0).enroll_with(&user, add(bad)).unwrap_err();
        assert!(
            matches!(
                refused,
                Error::Invalid {
                    field: "friendly_name",
                    ..
                }
            ),
            "{bad:?}"
        );
    }
    let id = org.factor(&user).id;
    let renamed = org
        .at(T0)
        .rename_factor(&user, &id, Some(" Work phone ".into()))
        .unwrap();
    assert_eq!(renamed.friendly_name, "Work phone");
    assert_eq!(org.factor(&user).friendly_name, "Work phone");
    assert!(matches!(
        org.at(T0).rename_factor(&user, &id, None),
        Err(Error::Invalid {
            field: "friendly_name",
            ..
        })
    ));
    assert_eq!(
        org.at(T0).rename_factor(&user, "nope", Some("x".into())),
        Err(Error::NotFound(Record::Factor))
    );
}

#[test]
fn a_removed_factor_stops_answering_and_the_others_keep_working() {
    let org = Org::new();
    let (user, [(phone, phone_id), (backup, _)]) = two_factors(&org);
    org.at(T0 + 30).delete_factor(&user, &phone_id).unwrap();
    let at = T0 + 60;
    let refused = org
        .at(at)
        .validate_challenge(&user, phone.generate(at).as_str())
        .unwrap();
    assert!(!refused.success, "a removed factor's code");
    assert!(
        org.at(at + 30)
            .validate_challenge(&user, backup.generate(at + 30).as_str())
            .unwrap()
            .success
    );
    assert_eq!(
        org.at(at)
            .enrollment_status(&user)
            .unwrap()
            .recovery_codes_remaining,
        5,
        "recovery codes stay while a factor does"
    );
    assert_eq!(
        org.at(at).delete_factor(&user, &phone_id),
        Err(Error::NotFound(Record::Factor))
    );
    let events = org
        .at(at)
        .audit_events(PageRequest::numbered(1, 100))
        .unwrap()
        .data;
    assert!(events.iter().any(|e| e.event == "factor.removed"
        && e.detail.as_deref() == Some(format!("factor {phone_id}").as_str())));
}

#[test]
fn removing_the_last_factor_removes_the_enrollment() {
    let org = Org::new();
    let (user, _, _) = org.active();
    let id = org.factor(&user).id;
    org.at(T0).delete_factor(&user, &id).unwrap();
    let status = org.at(T0).enrollment_status(&user).unwrap();
    assert_eq!(
        (status.active_factors, status.recovery_codes_remaining),
        (0, 0)
    );
    assert_eq!(
        org.at(T0).create_challenge(&user).unwrap_err(),
        Error::NotEnrolled
    );
}

#[test]
fn without_add_factor_enrollment_renews_the_first_factor_and_force_keeps_one() {
    let org = Org::new();
    let (user, [(_, phone_id), (backup, _)]) = two_factors(&org);
    let renewed = org.at(T0 + 30).enroll(&user, false).unwrap();
    assert_eq!(renewed.factor_id, phone_id, "the first factor");
    assert_eq!(org.at(T0 + 30).factors(&user).unwrap().len(), 2);
    let forced = org.at(T0 + 30).enroll(&user, true).unwrap();
    let left = org.at(T0 + 30).factors(&user).unwrap();
    assert_eq!(left.len(), 1, "a forced enrollment leaves one factor");
    assert_eq!(left[0].id, forced.factor_id);
    assert_eq!(forced.recovery_codes.map(|c| c.lines().count()), Some(5));
    let at = T0 + 90;
    assert!(
        !org.at(at)
            .validate_enrollment(&user, backup.generate(at).as_str())
            .unwrap()
            .success,
        "the removed backup proves nothing"
    );
}

#[test]
fn add_factor_refuses_force_and_the_sms_method() {
    let org = Org::new();
    let (user, _, _) = org.active();
    let both = EnrollOptions {
        force: true,
        add_factor: true,
        ..EnrollOptions::default()
    };
    assert!(matches!(
        org.at(T0).enroll_with(&user, both),
        Err(Error::Invalid {
            field: "add_factor",
            ..
        })
    ));
    org.on_sms();
    assert!(matches!(
        org.at(T0).enroll_with(&user, add("Phone")),
        Err(Error::Invalid {
            field: "add_factor",
            ..
        })
    ));
}

#[test]
fn a_first_enrollment_with_add_factor_is_a_first_enrollment() {
    let org = Org::new();
    let user = org.with_user();
    let created = org.at(T0).enroll_with(&user, add("Phone")).unwrap();
    assert_eq!(created.friendly_name, "Phone");
    assert_eq!(recovery_codes(&created).len(), 5);
}

#[test]
fn imports_add_beside_or_replace_and_name_the_factor() {
    let org = Org::new();
    let (user, phone, _) = org.active();
    let uri = "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let request = |add_factor, replace, name: &str| ImportRequest {
        factors: vec![ImportEntry {
            user_id: Some(user.clone()),
            otpauth_uri: Some(uri.into()),
            friendly_name: Some(name.into()),
            add_factor,
        }],
        replace,
        ..ImportRequest::default()
    };
    let added = org
        .at(T0)
        .import_factors(request(Some(true), false, "Old token"))
        .unwrap();
    assert_eq!(added.imported, 1);
    let names: Vec<_> = org
        .at(T0)
        .factors(&user)
        .unwrap()
        .into_iter()
        .map(|f| f.friendly_name)
        .collect();
    assert_eq!(names, ["Authenticator app", "Old token"]);
    let bad = org
        .at(T0)
        .import_factors(request(Some(true), false, ""))
        .unwrap();
    assert!(matches!(
        bad.results[0].error,
        Some(Refusal::FriendlyName(_))
    ));
    let replaced = org
        .at(T0)
        .import_factors(request(None, true, "Only"))
        .unwrap();
    assert_eq!(replaced.imported, 1);
    assert_eq!(org.at(T0).factors(&user).unwrap().len(), 1);
    assert!(
        !org.at(T0 + 30)
            .validate_challenge(&user, phone.generate(T0 + 30).as_str())
            .unwrap()
            .success,
        "the replaced phone"
    );
    let both = ImportRequest {
        add_factor: true,
        ..request(None, true, "x")
    };
    assert!(matches!(
        org.at(T0).import_factors(both),
        Err(Error::Invalid {
            field: "add_factor",
            ..
        })
    ));
}

#[test]
fn a_code_of_another_length_is_shaped_for_any_factor() {
    let org = Org::new();
    let (user, _, _) = org.active();
    let uri = "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8";
    let report = org
        .at(T0)
        .import_factors(ImportRequest {
            factors: vec![ImportEntry {
                user_id: Some(user.clone()),
                otpauth_uri: Some(uri.into()),
                add_factor: Some(true),
                ..ImportEntry::default()
            }],
            ..ImportRequest::default()
        })
        .unwrap();
    assert_eq!(report.imported, 1);
    let eight = otp_core::OtpauthUri::parse(uri).unwrap().totp().unwrap();
    let accepted = org
        .at(T0 + 60)
        .validate_challenge(&user, eight.generate(T0 + 60).as_str())
        .unwrap();
    assert!(accepted.success, "an 8-digit factor beside a 6-digit one");
    let Err(Error::Invalid { message, .. }) = org.at(T0 + 60).validate_challenge(&user, "1234567")
    else {
        panic!("a 7-digit code")
    };
    assert!(message.contains("6 or 8 digits"), "{message}");
}
