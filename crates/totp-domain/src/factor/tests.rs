//! The factor's rules, each a state change checked without any store.

use super::*;

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
    Factor::new("f".into(), "u", "Phone".into(), enrollment(1), 100)
}

#[test]
fn a_new_factor_is_pending() {
    let factor = factor();
    assert_eq!(factor.status, FactorStatus::Pending);
    assert_eq!(factor.generation, 1);
    assert_eq!(factor.pending.as_ref(), None);
    assert!(factor.is_enrolling());
    assert_eq!(
        (factor.id.as_str(), factor.friendly_name.as_str()),
        ("f", "Phone")
    );
    assert_eq!(factor.created_at, 100);
    assert_eq!(factor.enrolling(), &enrollment(1));
    assert_eq!((factor.enrolled_at, factor.last_used_at), (Some(100), None));
}

#[test]
fn a_pending_factor_is_replaced_in_place() {
    let mut factor = factor();
    factor.reenroll(enrollment(2), false, 200);
    assert_eq!(factor.generation, 2);
    assert_eq!(factor.enrolled_at, Some(200), "the new secret's time");
    assert_eq!(factor.status, FactorStatus::Pending);
    assert_eq!(factor.enrollment, enrollment(2));
    assert_eq!(factor.pending, None, "a factor never validated is replaced");
}

#[test]
fn an_active_factor_keeps_its_secret_until_the_pending_one_is_proven() {
    let mut factor = factor();
    factor.activate();
    assert!(!factor.is_enrolling());
    factor.last_used_at = Some(150);
    factor.reenroll(enrollment(2), false, 200);
    factor.reenroll(enrollment(3), false, 300);
    assert!(factor.is_enrolling());
    assert_eq!(
        (factor.enrolled_at, factor.last_used_at),
        (Some(100), Some(150)),
        "the active secret's, until the pending one is proven"
    );
    assert_eq!(
        (factor.status, &factor.enrollment),
        (FactorStatus::Active, &enrollment(1))
    );
    assert_eq!(
        factor.pending,
        Some(enrollment(3)),
        "the newest pending wins"
    );
    assert_eq!(factor.enrolling(), &enrollment(3));
    assert!(factor.promote(400));
    assert_eq!(
        (&factor.enrollment, factor.pending.as_ref()),
        (&enrollment(3), None)
    );
    assert_eq!(factor.enrolled_at, Some(400));
    assert_eq!(factor.status, FactorStatus::Active);
    assert_eq!(factor.created_at, 100, "the factor's, not its secret's");
    assert!(!factor.promote(500), "nothing pending");
    assert_eq!(factor.enrolled_at, Some(400));
    assert_eq!(factor.enrolling(), &enrollment(3));
}

#[test]
fn a_forced_enrollment_drops_the_pending_secret_and_replaces_at_once() {
    let mut factor = factor();
    factor.activate();
    factor.last_used_at = Some(150);
    factor.reenroll(enrollment(2), false, 200);
    factor.reenroll(enrollment(3), true, 300);
    assert_eq!((factor.enrolled_at, factor.last_used_at), (Some(300), None));
    assert_eq!(
        (factor.status, &factor.enrollment, factor.pending.as_ref()),
        (FactorStatus::Pending, &enrollment(3), None)
    );
    assert_eq!(factor.generation, 3);
}

#[test]
fn statuses_round_trip_through_storage_names() {
    for status in [FactorStatus::Pending, FactorStatus::Active] {
        assert_eq!(FactorStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(FactorStatus::parse("removed"), None);
}

#[test]
fn each_method_has_a_default_name() {
    assert_eq!(default_name(Method::TotpApp), "Authenticator app");
    assert_eq!(default_name(Method::Sms), "SMS");
}
