//! A user's enrollment as an integrator reads it: none, pending, active; when enrolled and
//! last used; recovery codes left; failures and lockout; never the secret.

use super::{Org, T0, recovery_codes, totp_of, wrong};
use crate::error::{Error, Record};
use crate::model::Method;
use crate::org::{EnrollmentState, EnrollmentStatus};

#[test]
fn the_status_follows_the_user_from_no_factor_to_active_and_back() {
    let org = Org::new();
    let user = org.with_user();
    let status = |now| org.at(now).enrollment_status(&user).unwrap();
    assert_eq!(
        status(T0),
        EnrollmentStatus {
            user_id: user.clone(),
            status: EnrollmentState::None,
            method: None,
            created_at: None,
            last_used_at: None,
            reenrollment_pending: false,
            active_factors: 0,
            reenrollment_required: false,
            recovery_codes_remaining: 0,
            failed_attempts: 0,
            locked_until: None,
            locked: false,
        }
    );
    let created = org.at(T0 + 10).enroll(&user, false).unwrap();
    let pending = status(T0 + 11);
    assert_eq!(
        (pending.status, pending.method, pending.created_at),
        (
            EnrollmentState::Pending,
            Some(Method::TotpApp),
            Some(T0 + 10)
        )
    );
    let totp = totp_of(&created);
    let code = totp.generate(T0 + 40);
    assert!(
        org.at(T0 + 40)
            .validate_enrollment(&user, code.as_str())
            .unwrap()
            .success
    );
    let active = status(T0 + 41);
    assert_eq!(
        (active.status, active.created_at, active.last_used_at),
        (EnrollmentState::Active, Some(T0 + 10), Some(T0 + 40))
    );
    assert_eq!(active.recovery_codes_remaining, 5);
    // A re-enrollment waits beside the active factor; the active one's times stand.
    org.at(T0 + 50).enroll(&user, false).unwrap();
    let beside = status(T0 + 51);
    assert_eq!(
        (
            beside.status,
            beside.reenrollment_pending,
            beside.created_at
        ),
        (EnrollmentState::Active, true, Some(T0 + 10))
    );
    let codes = recovery_codes(&created);
    assert!(
        org.at(T0 + 60)
            .validate_challenge(&user, &codes[0])
            .unwrap()
            .success
    );
    let recovered = status(T0 + 61);
    assert_eq!(
        (
            recovered.reenrollment_required,
            recovered.recovery_codes_remaining,
            recovered.last_used_at
        ),
        (true, 4, Some(T0 + 60))
    );
    org.at(T0 + 70).delete_enrollment(&user).unwrap();
    assert_eq!(status(T0 + 71).status, EnrollmentState::None);
}

#[test]
fn the_status_says_when_attempts_are_refused_and_never_reads_as_not_enrolled_for_a_typo() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let now = T0 + 100;
    for _ in 0..5 {
        org.at(now)
            .validate_challenge(&user, &wrong(totp.generate(now).as_str()))
            .unwrap();
    }
    let backing_off = org.at(now + 1).enrollment_status(&user).unwrap();
    assert_eq!(
        (
            backing_off.failed_attempts,
            backing_off.locked_until,
            backing_off.locked
        ),
        (5, Some(now + 30), false)
    );
    let later = org.at(now + 30).enrollment_status(&user).unwrap();
    assert_eq!(later.locked_until, None, "the backoff is over");
    assert_eq!(
        org.at(now).enrollment_status("no-such-user"),
        Err(Error::NotFound(Record::User))
    );
}
