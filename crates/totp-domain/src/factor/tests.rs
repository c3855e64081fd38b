//! The factor's rules, each a state change checked without any store.

use super::*;

const NOW: u64 = 1_800_000_000;

fn enrollment(byte: u8) -> Enrollment {
    Enrollment {
        method: Method::TotpApp,
        sealed_secret: vec![byte; 8],
        algorithm: Algorithm::Sha1,
        digits: Digits::Six,
        period: 30,
    }
}

fn factor() -> Factor {
    Factor::new("u", enrollment(1))
}

#[test]
fn one_recovery_code_a_day_and_five_reenrollments_after_the_first() {
    assert_eq!(RECOVERY_INTERVAL, 86_400);
    assert_eq!(MAX_ENROLLMENTS, 6);
}

#[test]
fn a_new_factor_is_pending_with_a_clean_record() {
    let factor = factor();
    assert_eq!(factor.status, FactorStatus::Pending);
    assert_eq!((factor.generation, factor.enrollments), (1, 1));
    assert_eq!((factor.failures, factor.locked_until), (0, 0));
    assert_eq!(factor.last_step, None);
}

#[test]
fn a_step_is_accepted_once_and_older_steps_never() {
    let mut factor = factor();
    assert!(factor.accept_step(100));
    assert_eq!(factor.status, FactorStatus::Active);
    assert!(!factor.accept_step(100));
    assert!(!factor.accept_step(99));
    assert!(factor.accept_step(101));
    assert_eq!(factor.last_step, Some(101));
}

#[test]
fn step_zero_is_accepted_on_a_fresh_factor() {
    let mut factor = factor();
    assert!(factor.accept_step(0));
    assert!(!factor.accept_step(0));
}

#[test]
fn attempts_count_before_the_check_and_back_off_after_the_free_ones() {
    let policy = LockoutPolicy::new(3);
    let mut factor = factor();
    assert_eq!(factor.record_attempt(NOW, &policy), Ok(1));
    assert_eq!(factor.record_attempt(NOW, &policy), Ok(2));
    assert_eq!(factor.locked_until, 0);
    assert_eq!(factor.record_attempt(NOW, &policy), Ok(3));
    assert_eq!(factor.locked_until, NOW + 30);
    assert_eq!(
        factor.record_attempt(NOW + 29, &policy),
        Err(Locked::Until(NOW + 30))
    );
    assert_eq!(factor.failures, 3, "a refused attempt is not counted");
    assert_eq!(factor.record_attempt(NOW + 30, &policy), Ok(4));
    assert_eq!(factor.locked_until, NOW + 30 + 60, "the delay doubles");
}

#[test]
fn a_success_clears_failures_and_lockout() {
    let policy = LockoutPolicy::new(1);
    let mut factor = factor();
    factor.record_attempt(NOW, &policy).unwrap();
    assert!(factor.locked_until > NOW);
    assert!(factor.accept_step(5));
    assert_eq!((factor.failures, factor.locked_until), (0, 0));
}

#[test]
fn the_hundredth_failure_locks_for_good() {
    let policy = LockoutPolicy::new(5);
    let mut factor = factor();
    factor.failures = 99;
    assert_eq!(factor.record_attempt(NOW, &policy), Ok(100));
    assert_eq!(
        factor.record_attempt(NOW + 10_000_000, &policy),
        Err(Locked::ForGood)
    );
    assert_eq!(factor.failures, 100);
}

#[test]
fn reenrollment_keeps_failures_and_stops_at_the_limit() {
    let mut factor = factor();
    factor.failures = 7;
    factor.locked_until = NOW + 60;
    factor.recovery_used_at = Some(NOW);
    factor.reenrollment_required = true;
    for expected in 2..=MAX_ENROLLMENTS {
        assert_eq!(factor.reenroll(enrollment(2), false), Ok(()));
        assert_eq!(factor.enrollments, expected);
    }
    assert_eq!(factor.generation, MAX_ENROLLMENTS);
    assert_eq!(factor.status, FactorStatus::Pending);
    assert_eq!(factor.last_step, None, "the new secret starts afresh");
    assert_eq!((factor.failures, factor.locked_until), (7, NOW + 60));
    assert_eq!(factor.recovery_used_at, Some(NOW));
    assert!(!factor.reenrollment_required);
    assert_eq!(factor.enrollment, enrollment(2));
    assert_eq!(factor.pending, None, "a factor never validated is replaced");
    assert_eq!(factor.reenroll(enrollment(3), false), Err(EnrollmentLimit));
    assert_eq!(
        factor.enrollment,
        enrollment(2),
        "a refused enrollment changes nothing"
    );
}

#[test]
fn an_active_factor_keeps_its_secret_until_the_pending_one_is_proven() {
    let mut factor = factor();
    assert!(factor.accept_step(10));
    factor.reenrollment_required = true;
    factor.failures = 3;
    factor.locked_until = NOW + 60;
    let before = factor.standing();
    factor.failures = 4;
    factor.locked_until = NOW + 120;
    assert_eq!(factor.reenroll(enrollment(2), false), Ok(()));
    assert_eq!(factor.reenroll(enrollment(3), false), Ok(()));
    assert_eq!(
        (factor.status, &factor.enrollment, factor.last_step),
        (FactorStatus::Active, &enrollment(1), Some(10))
    );
    assert_eq!(
        factor.pending,
        Some(enrollment(3)),
        "the newest pending wins"
    );
    assert_eq!(factor.enrolling(), &enrollment(3));
    assert!(
        factor.reenrollment_required,
        "until the new secret is proven"
    );
    assert!(factor.promote(Some(4), before));
    assert_eq!(
        (
            &factor.enrollment,
            factor.pending.as_ref(),
            factor.last_step
        ),
        (&enrollment(3), None, Some(4))
    );
    assert_eq!(factor.status, FactorStatus::Active);
    assert!(!factor.reenrollment_required);
    assert_eq!(
        (factor.failures, factor.locked_until),
        (3, NOW + 60),
        "a lockout earned on the active secret stays"
    );
    assert!(!factor.promote(Some(5), before), "nothing pending");
    assert_eq!(factor.enrolling(), &enrollment(3));
}

#[test]
fn a_forced_enrollment_drops_the_pending_secret_and_replaces_at_once() {
    let mut factor = factor();
    assert!(factor.accept_step(10));
    assert_eq!(factor.reenroll(enrollment(2), false), Ok(()));
    assert_eq!(factor.reenroll(enrollment(3), true), Ok(()));
    assert_eq!(
        (factor.status, &factor.enrollment, factor.pending.as_ref()),
        (FactorStatus::Pending, &enrollment(3), None)
    );
}

#[test]
fn an_sms_code_activates_and_clears_failures() {
    let mut factor = factor();
    factor.failures = 2;
    factor.locked_until = NOW;
    factor.accept_code();
    assert_eq!(
        (factor.status, factor.failures, factor.locked_until),
        (FactorStatus::Active, 0, 0)
    );
}

#[test]
fn a_forced_enrollment_resets_everything_and_ignores_the_limit() {
    let mut factor = factor();
    factor.enrollments = MAX_ENROLLMENTS;
    factor.failures = 100;
    factor.locked_until = NOW + 60;
    factor.recovery_used_at = Some(NOW);
    assert_eq!(factor.reenroll(enrollment(4), true), Ok(()));
    assert_eq!(factor.enrollments, 1);
    assert_eq!((factor.failures, factor.locked_until), (0, 0));
    assert_eq!(factor.recovery_used_at, None);
    assert_eq!(factor.generation, 2);
}

#[test]
fn one_recovery_per_day_clears_failures_and_asks_for_reenrollment() {
    let mut factor = factor();
    factor.failures = 4;
    factor.locked_until = NOW + 100;
    assert!(factor.use_recovery(NOW));
    assert!(factor.reenrollment_required);
    assert_eq!((factor.failures, factor.locked_until), (0, 0));
    assert!(!factor.recovery_allowed(NOW + RECOVERY_INTERVAL - 1));
    assert!(!factor.use_recovery(NOW + RECOVERY_INTERVAL - 1));
    assert_eq!(factor.recovery_used_at, Some(NOW));
    assert!(factor.use_recovery(NOW + RECOVERY_INTERVAL));
}
