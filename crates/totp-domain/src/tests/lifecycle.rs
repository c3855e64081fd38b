//! The rest of the lifecycle: profile changes, turning MFA off for one user, and regenerating
//! recovery codes with a current code as proof.

use super::{Org, T0, recovery_codes, totp_of, wrong};
use crate::error::{Error, Record};
use crate::model::{AuditEvent, PageRequest};
use crate::org::{FailureReason, RECOVERY_CODES, UserUpdate};

fn events(org: &Org) -> Vec<AuditEvent> {
    let page = PageRequest::numbered(1, 100);
    org.at(T0).audit_events(page).unwrap().data
}

#[test]
fn a_profile_changes_field_by_field_and_the_audit_names_fields_only() {
    let org = Org::new();
    let user = org.user("kate@acme.test");
    let update = UserUpdate {
        email: Some(" Kate.New@Acme.test ".into()),
        phone_number: Some("+33612345678".into()),
        given_name: Some("Kate".into()),
        ..Default::default()
    };
    let updated = org.at(T0 + 1).update_user(&user, update).unwrap();
    assert_eq!(updated.profile.email, "Kate.New@Acme.test");
    assert_eq!(org.at(T0).user("kate.new@acme.test").unwrap(), updated);
    assert_eq!(
        org.at(T0).user("kate@acme.test"),
        Err(Error::NotFound(Record::User))
    );
    let cleared = UserUpdate {
        given_name: Some(" ".into()),
        phone_number: Some(String::new()),
        ..Default::default()
    };
    let cleared = org.at(T0 + 2).update_user(&user, cleared).unwrap();
    assert_eq!(
        (cleared.profile.given_name, cleared.profile.phone_number),
        (None, None)
    );
    assert_eq!(cleared.profile.email, "Kate.New@Acme.test", "absent keeps");
    let audit = events(&org);
    let details: Vec<_> = audit
        .iter()
        .filter(|e| e.event == "user.updated")
        .map(|e| e.detail.as_deref().unwrap())
        .collect();
    assert_eq!(
        details,
        [
            "given_name, phone_number",
            "email, given_name, phone_number"
        ]
    );
    let trail = format!("{audit:?}");
    assert!(
        !trail.contains("Kate") && !trail.contains("+336"),
        "{trail}"
    );
}

#[test]
fn a_profile_change_is_checked_whole_before_anything_is_written() {
    let org = Org::new();
    let kate = org.user("kate@acme.test");
    org.user("isa@acme.test");
    let field = |update: UserUpdate| {
        let error = org.at(T0).update_user(&kate, update).unwrap_err();
        error.field().unwrap_or_else(|| panic!("{error:?}"))
    };
    let taken = UserUpdate {
        email: Some("ISA@acme.test".into()),
        ..Default::default()
    };
    assert_eq!(field(taken), "email");
    let look_alike = UserUpdate {
        email: Some("\u{212A}ate@acme.test".into()),
        ..Default::default()
    };
    assert_eq!(field(look_alike), "profile[email]");
    let half_bad = UserUpdate {
        given_name: Some("Kate".into()),
        phone_number: Some("0612".into()),
        ..Default::default()
    };
    assert_eq!(field(half_bad), "profile[phone_number]");
    let blank = UserUpdate {
        email: Some(" ".into()),
        ..Default::default()
    };
    assert_eq!(field(blank), "profile[email]");
    let unchanged = org.at(T0).user(&kate).unwrap();
    assert_eq!(unchanged.profile.given_name, None);
    assert_eq!(unchanged.profile.email, "kate@acme.test");
    let same_address = UserUpdate {
        email: Some("KATE@acme.test".into()),
        ..Default::default()
    };
    assert_eq!(
        org.at(T0)
            .update_user(&kate, same_address)
            .unwrap()
            .profile
            .email,
        "KATE@acme.test",
        "the user's own address in another case is not taken"
    );
    assert_eq!(
        org.at(T0).update_user("nobody", UserUpdate::default()),
        Err(Error::NotFound(Record::User))
    );
}

#[test]
fn deleting_an_enrollment_turns_mfa_off_and_the_next_enrollment_is_a_first_one() {
    let org = Org::new();
    let (user, totp, codes) = org.active();
    org.at(T0 + 30).enroll(&user, false).unwrap();
    org.at(T0 + 31).create_challenge(&user).unwrap();
    org.at(T0 + 40).delete_enrollment(&user).unwrap();
    assert!(crate::org::store::factor(&org.db, &user).unwrap().is_none());
    let export = super::export(&org);
    for table in ["recovery_codes", "challenges", "factors"] {
        assert_eq!(export.tables[table].as_array().unwrap().len(), 0, "{table}");
    }
    assert_eq!(
        org.at(T0 + 60)
            .validate_challenge(&user, totp.generate(T0 + 60).as_str()),
        Err(Error::NotEnrolled)
    );
    assert_eq!(
        org.at(T0 + 61).validate_challenge(&user, &codes[0]),
        Err(Error::NotEnrolled)
    );
    assert_eq!(
        org.at(T0 + 62).delete_enrollment(&user),
        Err(Error::NotEnrolled)
    );
    let again = org.at(T0 + 70).enroll(&user, false).unwrap();
    assert_eq!(recovery_codes(&again).len(), RECOVERY_CODES);
    assert_eq!(org.factor(&user).generation, 1);
    assert!(events(&org).iter().any(|e| e.event == "enrollment.deleted"
        && e.user_id.as_deref() == Some(user.as_str())
        && e.detail.is_none()));
}

#[test]
fn regenerating_recovery_codes_needs_a_current_code_and_replaces_the_set_at_once() {
    let org = Org::new();
    let (user, totp, old) = org.active();
    // A recovery code is no proof: not even of the shape asked for, so it is refused before it
    // counts, and spends nothing.
    let refused = org.at(T0 + 30).regenerate_recovery_codes(&user, &old[0]);
    assert!(
        matches!(refused, Err(Error::Invalid { field: "code", .. })),
        "{refused:?}"
    );
    assert_eq!(org.guard(&user).failures, 0);
    let wrong_code = wrong(totp.generate(T0 + 31).as_str());
    let refused = org
        .at(T0 + 31)
        .regenerate_recovery_codes(&user, &wrong_code)
        .unwrap();
    assert_eq!(
        (
            refused.result.failed_attempts,
            refused.result.recovery_codes_remaining,
            refused.result.reason
        ),
        (1, 5, Some(FailureReason::InvalidCode))
    );
    let code = totp.generate(T0 + 60);
    let new = org
        .at(T0 + 60)
        .regenerate_recovery_codes(&user, code.as_str())
        .unwrap();
    assert!(new.result.success);
    assert_eq!(
        (
            new.result.failed_attempts,
            new.result.recovery_codes_remaining
        ),
        (0, 5)
    );
    let new: Vec<String> = new
        .recovery_codes
        .unwrap()
        .lines()
        .map(Into::into)
        .collect();
    assert_eq!(new.len(), RECOVERY_CODES);
    // The proving code is spent; the old set stopped working.
    let replay = org
        .at(T0 + 61)
        .regenerate_recovery_codes(&user, code.as_str())
        .unwrap();
    assert!(!replay.result.success && replay.recovery_codes.is_none());
    assert_eq!(replay.result.reason, Some(FailureReason::CodeAlreadyUsed));
    let old_code = org.at(T0 + 90).validate_challenge(&user, &old[1]).unwrap();
    assert!(!old_code.success);
    let new_code = org.at(T0 + 91).validate_challenge(&user, &new[0]).unwrap();
    assert!(new_code.success && new_code.recovery_code_used);
    assert_eq!(new_code.recovery_codes_remaining, 4);
    assert!(
        events(&org)
            .iter()
            .any(|e| e.event == "recovery_codes.regenerated" && e.detail.is_none())
    );
}

#[test]
fn regeneration_is_refused_during_a_backoff_and_for_a_pending_factor() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let now = T0 + 100;
    for _ in 0..5 {
        org.at(now)
            .regenerate_recovery_codes(&user, &wrong(totp.generate(now).as_str()))
            .unwrap();
    }
    assert_eq!(
        org.at(now + 1)
            .regenerate_recovery_codes(&user, totp.generate(now + 1).as_str())
            .map(|answer| answer.result.success),
        Err(Error::Throttled {
            retry_after: 29,
            until: now + 30
        })
    );
    let forced = org.at(now + 2).enroll(&user, true).unwrap();
    assert!(matches!(
        org.at(now + 3)
            .regenerate_recovery_codes(&user, totp_of(&forced).generate(now + 3).as_str()),
        Err(Error::EnrollmentPending)
    ));
}

#[test]
fn deleting_a_user_removes_everything_of_theirs_but_an_audit_event_by_id() {
    let org = Org::new();
    let (kept, _, _) = org.active();
    let user = org.user("zoe@acme.test");
    let update = UserUpdate {
        given_name: Some("Zoé".into()),
        phone_number: Some("+33698765432".into()),
        ..Default::default()
    };
    org.at(T0).update_user(&user, update).unwrap();
    let created = org.at(T0).enroll(&user, false).unwrap();
    let totp = totp_of(&created);
    org.at(T0 + 1)
        .validate_enrollment(&user, totp.generate(T0 + 1).as_str())
        .unwrap();
    org.at(T0 + 30).enroll(&user, false).unwrap();
    org.at(T0 + 31).create_challenge(&user).unwrap();
    org.at(T0 + 40).delete_user("ZOE@acme.test").unwrap();
    assert_eq!(org.at(T0).user(&user), Err(Error::NotFound(Record::User)));
    assert_eq!(
        org.at(T0 + 60)
            .validate_challenge(&user, totp.generate(T0 + 60).as_str()),
        Err(Error::NotFound(Record::User))
    );
    let export = super::export(&org);
    for (table, rows) in &export.tables {
        if table != "audit_events" {
            assert!(!rows.to_string().contains(&user), "{table}: {rows}");
        }
    }
    assert!(
        export.tables["factors"].to_string().contains(&kept),
        "others stay"
    );
    let audit = events(&org);
    let last = &audit[0];
    assert_eq!(
        (
            last.event.as_str(),
            last.user_id.as_deref(),
            last.detail.as_deref()
        ),
        ("user.deleted", Some(user.as_str()), None)
    );
    let trail = format!("{audit:?}");
    assert!(!trail.contains("zoe") && !trail.contains("Zo") && !trail.contains("+336"));
    let again = org.user("zoe@acme.test");
    assert_ne!(again, user, "a new id");
    assert_eq!(
        org.at(T0).delete_user(&user),
        Err(Error::NotFound(Record::User))
    );
}

#[test]
fn personal_fields_are_stored_sealed_and_found_by_a_keyed_hash() {
    let org = Org::new();
    let user = org.user("Zoe.Stored@acme.test");
    let update = UserUpdate {
        given_name: Some("Zoé".into()),
        family_name: Some("Stored".into()),
        phone_number: Some("+33698765432".into()),
        ..Default::default()
    };
    org.at(T0).update_user(&user, update).unwrap();
    let users = super::export(&org).tables["users"].to_string();
    // Probes long enough that random base64 does not hold them by chance.
    for clear in [
        "zoe.stored",
        "Zoe.Stored",
        "Zoé",
        "Stored",
        "+33698765",
        "acme.test",
    ] {
        assert!(!users.contains(clear), "{clear} in {users}");
    }
    let found = org.at(T0).user("zoe.stored@ACME.test").unwrap();
    assert_eq!(found.id, user);
    assert_eq!(
        (
            found.profile.given_name.as_deref(),
            found.profile.family_name.as_deref(),
            found.profile.phone_number.as_deref()
        ),
        (Some("Zoé"), Some("Stored"), Some("+33698765432"))
    );
    // The hash is keyed: another lookup key finds no one.
    let other = Org {
        keys: crate::keys::Keys::from_config(crate::keys::KeyConfig {
            sealing: "k2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=",
            signing: "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=",
            recovery: "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=",
            email_lookup: "e9:CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=",
        })
        .unwrap(),
        ..org
    };
    assert_eq!(
        other.at(T0).user("zoe.stored@acme.test"),
        Err(Error::NotFound(Record::User))
    );
}
