//! Recovery codes: single use, one per day, not for enrollments, replaced by force.

use super::{Org, T0, recovery_codes, totp_of};
use crate::error::Error;
use crate::guard::RECOVERY_INTERVAL;
use crate::org::FailureReason;

#[test]
fn recovery_codes_are_single_use_one_per_day_and_require_reenrollment() {
    let org = Org::new();
    let (user, _, codes) = org.active();
    let now = T0 + 100;
    let used = org
        .at(now)
        .validate_challenge(&user, &codes[0].to_uppercase())
        .unwrap();
    assert!(used.success && used.recovery_code_used && used.reenrollment_required);
    assert!(
        org.guard(&user).reenrollment_required,
        "stored, not only answered"
    );
    // The same code never again (a spent code reads as any wrong one); another one not
    // within 24 hours, and then the answer says so: it stays unused.
    let spent = org
        .at(now + 90_000)
        .validate_challenge(&user, &codes[0])
        .unwrap();
    assert_eq!(
        (spent.success, spent.reason),
        (false, Some(FailureReason::InvalidCode))
    );
    let early = org
        .at(now + RECOVERY_INTERVAL - 1)
        .validate_challenge(&user, &codes[1])
        .unwrap();
    assert!(!early.success && !early.recovery_code_used);
    assert_eq!(early.reason, Some(FailureReason::RecoveryCodeRateLimited));
    let later = org
        .at(now + RECOVERY_INTERVAL * 2)
        .validate_challenge(&user, &codes[1])
        .unwrap();
    assert!(later.success && later.recovery_code_used);
    let left = org
        .at(now)
        .enroll(&user, false)
        .unwrap()
        .recovery_codes_remaining;
    assert_eq!(left, 3);
}

#[test]
fn after_a_recovery_code_totp_keeps_working_and_reenrollment_is_asked_until_it_happens() {
    let org = Org::new();
    let (user, totp, codes) = org.active();
    assert!(
        org.at(T0 + 30)
            .validate_challenge(&user, &codes[0])
            .unwrap()
            .success
    );
    let now = T0 + 60;
    let next = org
        .at(now)
        .validate_challenge(&user, totp.generate(now).as_str())
        .unwrap();
    assert!(next.success && !next.recovery_code_used && next.reenrollment_required);
    let wrong = org
        .at(now + 30)
        .validate_challenge(&user, "000000")
        .unwrap();
    assert!(!wrong.success && wrong.reenrollment_required);
    let created = org.at(now + 60).enroll(&user, false).unwrap();
    let fresh = totp_of(&created);
    let validated = org
        .at(now + 60)
        .validate_enrollment(&user, fresh.generate(now + 60).as_str())
        .unwrap();
    assert!(validated.success && !validated.reenrollment_required);
    assert!(!org.guard(&user).reenrollment_required);
}

#[test]
fn a_recovery_code_clears_a_backoff() {
    let org = Org::new();
    let (user, _, codes) = org.active();
    let now = T0 + 100;
    for _ in 0..5 {
        org.at(now).validate_challenge(&user, "000000").unwrap();
    }
    assert!(org.guard(&user).locked_until > now);
    assert!(
        org.at(now + 30)
            .validate_challenge(&user, &codes[2])
            .unwrap()
            .success
    );
    assert_eq!(
        (org.guard(&user).failures, org.guard(&user).locked_until),
        (0, 0)
    );
}

#[test]
fn recovery_codes_do_not_validate_an_enrollment() {
    let org = Org::new();
    let (user, _, created) = org.enrolled();
    let code = recovery_codes(&created).remove(0);
    let refused = org.at(T0).validate_enrollment(&user, &code);
    assert!(
        matches!(refused, Err(Error::Invalid { field: "code", .. })),
        "{refused:?}"
    );
}

#[test]
fn forced_enrollment_replaces_recovery_codes() {
    let org = Org::new();
    let (user, _, old_codes) = org.active();
    let created = org.at(T0 + 10).enroll(&user, true).unwrap();
    let totp = totp_of(&created);
    let now = T0 + 40;
    assert!(
        org.at(now)
            .validate_enrollment(&user, totp.generate(now).as_str())
            .unwrap()
            .success
    );
    assert!(
        !org.at(now)
            .validate_challenge(&user, &old_codes[0])
            .unwrap()
            .success
    );
    let new_code = recovery_codes(&created).remove(0);
    assert!(
        org.at(now)
            .validate_challenge(&user, &new_code)
            .unwrap()
            .success
    );
}

#[test]
fn another_users_recovery_code_is_refused() {
    let org = Org::new();
    let (first, _, first_codes) = org.active();
    let second = org.user("second@communitiz-app.co");
    let created = org.at(T0).enroll(&second, false).unwrap();
    let totp = totp_of(&created);
    assert!(
        org.at(T0)
            .validate_enrollment(&second, totp.generate(T0).as_str())
            .unwrap()
            .success
    );
    assert!(
        !org.at(T0 + 60)
            .validate_challenge(&second, &first_codes[0])
            .unwrap()
            .success
    );
    assert!(
        org.at(T0 + 60)
            .validate_challenge(&first, &first_codes[0])
            .unwrap()
            .success
    );
}
