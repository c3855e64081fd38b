//! The MFA policy: optional by default (the guide's flow unchanged), or required with a grace
//! period counted from when it became required or the user was created, whichever is later.

use super::{Org, T0};
use crate::error::Error;
use crate::model::{Enforcement, Mfa, PageRequest};
use crate::org::{ConnectionUpdate, NewUser};

const DAY: u64 = 86_400;

fn require(org: &Org, now: u64, grace_days: u64) {
    org.at(now)
        .update_connection(ConnectionUpdate {
            enforcement: Some("required".into()),
            enrollment_grace_days: Some(grace_days),
            ..ConnectionUpdate::default()
        })
        .unwrap();
}

#[test]
fn optional_by_default_changes_nothing() {
    let org = Org::new();
    let user = org.with_user();
    let connection = org.at(T0).connection().unwrap();
    assert_eq!(connection.enforcement, Enforcement::Optional);
    assert_eq!(
        (
            connection.enrollment_grace_days,
            connection.trusted_device_days
        ),
        (0, 0)
    );
    assert_eq!(
        org.at(T0 + 100 * DAY).user(&user).unwrap().mfa,
        Mfa {
            enrolled: false,
            required: false,
            enroll_by: None,
            active_factors: 0,
        }
    );
    assert_eq!(
        org.at(T0 + 100 * DAY).create_challenge(&user).unwrap_err(),
        Error::NotEnrolled
    );
}

#[test]
fn past_the_grace_period_a_user_without_a_factor_must_enroll() {
    let org = Org::new();
    let user = org.with_user();
    require(&org, T0 + 10, 7);
    let enroll_by = T0 + 10 + 7 * DAY;
    let mfa = org.at(T0 + 20).user(&user).unwrap().mfa;
    assert_eq!(
        (mfa.required, mfa.enroll_by, mfa.enrolled),
        (true, Some(enroll_by), false)
    );
    // Within the grace period: the answers of today.
    assert_eq!(
        org.at(enroll_by - 1).create_challenge(&user).unwrap_err(),
        Error::NotEnrolled
    );
    for now in [enroll_by, enroll_by + DAY] {
        assert_eq!(
            org.at(now).create_challenge(&user).unwrap_err(),
            Error::EnrollmentRequired { enroll_by }
        );
        assert_eq!(
            org.at(now).validate_challenge(&user, "123456").unwrap_err(),
            Error::EnrollmentRequired { enroll_by }
        );
    }
    // Enrollment stays open, and a pending factor is still no factor.
    let created = org.at(enroll_by + 1).enroll(&user, false).unwrap();
    assert_eq!(
        org.at(enroll_by + 2).create_challenge(&user).unwrap_err(),
        Error::EnrollmentRequired { enroll_by }
    );
    let totp = super::totp_of(&created);
    let now = enroll_by + 30;
    assert!(
        org.at(now)
            .validate_enrollment(&user, totp.generate(now).as_str())
            .unwrap()
            .success
    );
    org.at(now).create_challenge(&user).unwrap();
    let mfa = org.at(now).user(&user).unwrap().mfa;
    assert_eq!((mfa.enrolled, mfa.active_factors), (true, 1));
}

#[test]
fn a_user_created_later_gets_a_grace_period_of_their_own() {
    let org = Org::new();
    org.with_user();
    require(&org, T0, 3);
    let later = org
        .at(T0 + 10 * DAY)
        .create_user(NewUser {
            email: Some("late@acme.test".into()),
            ..NewUser::default()
        })
        .unwrap();
    assert_eq!(later.mfa.enroll_by, Some(T0 + 13 * DAY));
    let listed = org
        .at(T0 + 10 * DAY)
        .users(PageRequest::numbered(1, 10))
        .unwrap();
    assert!(listed.data.iter().all(|u| u.mfa.required));
}

#[test]
fn the_grace_period_runs_from_when_the_policy_became_required() {
    let org = Org::new();
    let user = org.with_user();
    require(&org, T0 + 5 * DAY, 1);
    // Changing only the grace period keeps the start; going optional and back restarts it.
    require(&org, T0 + 6 * DAY, 2);
    assert_eq!(
        org.at(T0 + 6 * DAY).user(&user).unwrap().mfa.enroll_by,
        Some(T0 + 7 * DAY)
    );
    org.at(T0 + 6 * DAY)
        .update_connection(ConnectionUpdate {
            enforcement: Some("optional".into()),
            ..ConnectionUpdate::default()
        })
        .unwrap();
    assert_eq!(
        org.at(T0 + 6 * DAY).connection().unwrap().required_since,
        None
    );
    require(&org, T0 + 8 * DAY, 2);
    assert_eq!(
        org.at(T0 + 8 * DAY).user(&user).unwrap().mfa.enroll_by,
        Some(T0 + 10 * DAY)
    );
}

#[test]
fn policy_values_are_checked_and_each_change_is_audited() {
    let org = Org::new();
    let refused = |update: ConnectionUpdate| org.at(T0).update_connection(update).unwrap_err();
    for (update, field) in [
        (
            ConnectionUpdate {
                enforcement: Some("always".into()),
                ..ConnectionUpdate::default()
            },
            "enforcement",
        ),
        (
            ConnectionUpdate {
                enrollment_grace_days: Some(91),
                ..ConnectionUpdate::default()
            },
            "enrollment_grace_days",
        ),
        (
            ConnectionUpdate {
                trusted_device_days: Some(91),
                ..ConnectionUpdate::default()
            },
            "trusted_device_days",
        ),
    ] {
        assert!(matches!(refused(update), Error::Invalid { field: f, .. } if f == field));
    }
    require(&org, T0, 14);
    org.at(T0)
        .update_connection(ConnectionUpdate {
            issuer: Some("Acme".into()),
            ..ConnectionUpdate::default()
        })
        .unwrap();
    let events = org
        .at(T0)
        .audit_events(PageRequest::numbered(1, 100))
        .unwrap()
        .data;
    let policy: Vec<_> = events
        .iter()
        .filter(|e| e.event == "mfa_policy.updated")
        .collect();
    assert_eq!(policy.len(), 1, "the issuer's change is not the policy's");
    assert_eq!(
        policy[0].detail.as_deref(),
        Some("enforcement required, grace 14 days")
    );
}
