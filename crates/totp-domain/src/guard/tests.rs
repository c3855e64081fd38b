//! The user's security rules, each a state change checked without any store.

use super::*;

const NOW: u64 = 1_800_000_000;

#[test]
fn one_recovery_code_a_day_and_five_reenrollments_after_the_first() {
    assert_eq!(RECOVERY_INTERVAL, 86_400);
    assert_eq!(MAX_ENROLLMENTS, 6);
}

#[test]
fn a_new_user_has_a_clean_record() {
    let guard = Guard::default();
    assert_eq!(
        (guard.failures, guard.locked_until, guard.enrollments),
        (0, 0, 0)
    );
    assert_eq!(
        (guard.last_accepted_at, guard.recovery_used_at),
        (None, None)
    );
}

#[test]
fn a_step_is_accepted_once_and_older_steps_never() {
    let mut guard = Guard::default();
    assert!(guard.accept_step(100, 30));
    assert!(!guard.accept_step(100, 30));
    assert!(!guard.accept_step(99, 30));
    assert!(guard.accept_step(101, 30));
    assert_eq!(guard.last_accepted_at, Some(3030));
}

#[test]
fn steps_compare_by_the_time_they_began_whatever_the_period() {
    let mut guard = Guard::default();
    assert!(guard.accept_step(10, 60)); // began at 600
    assert!(!guard.accept_step(20, 30), "began at 600 too");
    assert!(!guard.accept_step(19, 30));
    assert!(guard.accept_step(21, 30));
    assert!(
        !guard.accept_step(10, 60),
        "the same step of the first secret, again"
    );
}

#[test]
fn step_zero_is_accepted_once() {
    let mut guard = Guard::default();
    assert!(guard.accept_step(0, 30));
    assert!(!guard.accept_step(0, 30));
}

#[test]
fn attempts_count_before_the_check_and_back_off_after_the_free_ones() {
    let policy = LockoutPolicy::new(3);
    let mut guard = Guard::default();
    assert_eq!(guard.record_attempt(NOW, &policy), Ok(1));
    assert_eq!(guard.record_attempt(NOW, &policy), Ok(2));
    assert_eq!(guard.locked_until, 0);
    assert_eq!(guard.record_attempt(NOW, &policy), Ok(3));
    assert_eq!(guard.locked_until, NOW + 30);
    assert_eq!(
        guard.record_attempt(NOW + 29, &policy),
        Err(Locked::Until(NOW + 30))
    );
    assert_eq!(guard.failures, 3, "a refused attempt is not counted");
    assert_eq!(guard.record_attempt(NOW + 30, &policy), Ok(4));
    assert_eq!(guard.locked_until, NOW + 30 + 60, "the delay doubles");
}

#[test]
fn a_success_clears_failures_and_lockout() {
    let policy = LockoutPolicy::new(1);
    let mut guard = Guard::default();
    guard.record_attempt(NOW, &policy).unwrap();
    assert!(guard.locked_until > NOW);
    assert!(guard.accept_step(5, 30));
    assert_eq!((guard.failures, guard.locked_until), (0, 0));
    guard.record_attempt(NOW + 100, &policy).unwrap();
    guard.accept_code();
    assert_eq!((guard.failures, guard.locked_until), (0, 0));
}

#[test]
fn a_refused_step_clears_nothing() {
    let policy = LockoutPolicy::new(1);
    let mut guard = Guard::default();
    assert!(guard.accept_step(5, 30));
    guard.record_attempt(NOW, &policy).unwrap();
    assert!(!guard.accept_step(5, 30));
    assert_eq!((guard.failures, guard.locked_until), (1, NOW + 30));
}

#[test]
fn the_hundredth_failure_locks_for_good() {
    let policy = LockoutPolicy::new(5);
    let mut guard = Guard {
        failures: 99,
        ..Guard::default()
    };
    assert_eq!(guard.record_attempt(NOW, &policy), Ok(100));
    assert_eq!(
        guard.record_attempt(NOW + 10_000_000, &policy),
        Err(Locked::ForGood)
    );
    assert_eq!(guard.failures, 100);
}

#[test]
fn enrollments_stop_at_the_limit_and_keep_what_was_earned() {
    let mut guard = Guard {
        failures: 7,
        locked_until: NOW + 60,
        last_accepted_at: Some(NOW),
        recovery_used_at: Some(NOW),
        ..Guard::default()
    };
    for expected in 1..=MAX_ENROLLMENTS {
        assert_eq!(guard.enroll(false), Ok(()));
        assert_eq!(guard.enrollments, expected);
    }
    assert_eq!(guard.enroll(false), Err(EnrollmentLimit));
    assert_eq!(
        guard.enrollments, MAX_ENROLLMENTS,
        "a refused enrollment counts nothing"
    );
    assert_eq!((guard.failures, guard.locked_until), (7, NOW + 60));
    assert_eq!(
        (guard.last_accepted_at, guard.recovery_used_at),
        (Some(NOW), Some(NOW))
    );
}

#[test]
fn a_forced_enrollment_clears_the_lockout_and_the_count_only() {
    let mut guard = Guard {
        failures: 100,
        locked_until: NOW + 60,
        last_accepted_at: Some(NOW),
        enrollments: MAX_ENROLLMENTS,
        recovery_used_at: Some(NOW),
        ..Guard::default()
    };
    assert_eq!(guard.enroll(true), Ok(()));
    assert_eq!(
        (guard.failures, guard.locked_until, guard.enrollments),
        (0, 0, 1)
    );
    assert_eq!(
        guard.last_accepted_at,
        Some(NOW),
        "a step is still accepted once"
    );
    assert_eq!(
        guard.recovery_used_at,
        Some(NOW),
        "still one recovery code a day"
    );
}

#[test]
fn standing_is_restored_after_proving_a_pending_secret() {
    let policy = LockoutPolicy::new(1);
    let mut guard = Guard::default();
    guard.record_attempt(NOW, &policy).unwrap();
    let before = guard.standing();
    guard.record_attempt(NOW + 30, &policy).unwrap();
    assert!(guard.accept_step(9, 30));
    guard.restore(before);
    assert_eq!((guard.failures, guard.locked_until), (1, NOW + 30));
    assert_eq!(guard.last_accepted_at, Some(270));
}

#[test]
fn one_recovery_per_day_clears_failures() {
    let mut guard = Guard {
        failures: 4,
        locked_until: NOW + 100,
        ..Guard::default()
    };
    assert!(guard.use_recovery(NOW));
    assert_eq!((guard.failures, guard.locked_until), (0, 0));
    assert!(!guard.recovery_allowed(NOW + RECOVERY_INTERVAL - 1));
    assert!(!guard.use_recovery(NOW + RECOVERY_INTERVAL - 1));
    assert_eq!(guard.recovery_used_at, Some(NOW));
    assert!(guard.use_recovery(NOW + RECOVERY_INTERVAL));
}

#[test]
fn a_recovery_asks_for_a_reenrollment_until_a_new_secret_or_a_forced_enrollment() {
    let mut guard = Guard::default();
    assert!(!guard.reenrollment_required);
    assert!(guard.use_recovery(NOW));
    assert!(guard.reenrollment_required);
    guard.enroll(false).unwrap();
    assert!(
        guard.reenrollment_required,
        "until the new secret is proven"
    );
    guard.reenrolled();
    assert!(!guard.reenrollment_required);
    assert!(guard.use_recovery(NOW + RECOVERY_INTERVAL));
    guard.enroll(true).unwrap();
    assert!(!guard.reenrollment_required, "a forced enrollment");
}

#[test]
fn device_verifications_fail_a_bounded_number_of_times_per_window() {
    let mut guard = Guard::default();
    for _ in 0..MAX_DEVICE_FAILURES {
        guard.check_device_verification(NOW).unwrap();
        guard.fail_device_verification();
    }
    assert_eq!(
        guard.check_device_verification(NOW + DEVICE_WINDOW - 1),
        Err(NOW + DEVICE_WINDOW)
    );
    assert_eq!(guard.failures, 0, "never the user's lockout");
    guard
        .check_device_verification(NOW + DEVICE_WINDOW)
        .unwrap();
    assert_eq!(
        (guard.device_failures, guard.device_window_start),
        (0, NOW + DEVICE_WINDOW),
        "a new window"
    );
}
