//! Re-enrollment keeps the working factor until the new secret is proven; force replaces it.

use otp_core::Totp;

use super::{Org, T0, totp_of, wrong};
use crate::error::Error;
use crate::factor::FactorStatus;

/// Five wrong codes at `now`: the factor backs off for 30 s.
fn back_off(org: &Org, user: &str, totp: &Totp, now: u64) {
    for _ in 0..5 {
        org.at(now)
            .validate_challenge(user, &wrong(totp.generate(now).as_str()))
            .unwrap();
    }
    assert_eq!(org.guard(user).locked_until, now + 30);
}

#[test]
fn an_abandoned_reenrollment_leaves_the_active_factor_and_its_recovery_codes_working() {
    let org = Org::new();
    let (user, old, codes) = org.active();
    let created = org.at(T0 + 30).enroll(&user, false).unwrap();
    assert_eq!(created.status, FactorStatus::Pending);
    assert!(
        created.recovery_codes.is_none(),
        "the earlier ones stay valid"
    );
    assert_eq!(created.recovery_codes_remaining, 5);
    let new = totp_of(&created);
    for now in [T0 + 60, T0 + 3600, T0 + 86_400] {
        let ok = org
            .at(now)
            .validate_challenge(&user, old.generate(now).as_str())
            .unwrap();
        assert!(ok.success, "at {now}: {ok:?}");
        let refused = org
            .at(now + 30)
            .validate_challenge(&user, new.generate(now + 30).as_str())
            .unwrap();
        assert!(!refused.success, "the pending secret answers no challenge");
    }
    let recovered = org
        .at(T0 + 90_000)
        .validate_challenge(&user, &codes[0])
        .unwrap();
    assert!(recovered.success && recovered.recovery_code_used);
    assert_eq!(org.factor(&user).status, FactorStatus::Active);
}

#[test]
fn validating_the_pending_secret_replaces_the_active_one_atomically() {
    let org = Org::new();
    let (user, old, codes) = org.active();
    let new = totp_of(&org.at(T0 + 30).enroll(&user, false).unwrap());
    // The old secret's code is no proof of the new one, and counts as a failure.
    let wrong_secret = org
        .at(T0 + 60)
        .validate_enrollment(&user, old.generate(T0 + 60).as_str())
        .unwrap();
    assert_eq!(
        (wrong_secret.success, wrong_secret.failed_attempts),
        (false, 1)
    );
    let proven = org
        .at(T0 + 90)
        .validate_enrollment(&user, new.generate(T0 + 90).as_str())
        .unwrap();
    assert!(proven.success);
    let factor = org.factor(&user);
    assert_eq!(
        (factor.status, factor.pending.as_ref()),
        (FactorStatus::Active, None)
    );
    assert!(
        !org.at(T0 + 120)
            .validate_challenge(&user, old.generate(T0 + 120).as_str())
            .unwrap()
            .success,
        "the old secret stopped working"
    );
    assert!(
        !org.at(T0 + 120)
            .validate_challenge(&user, new.generate(T0 + 90).as_str())
            .unwrap()
            .success,
        "the proving code is spent"
    );
    let ok = org
        .at(T0 + 150)
        .validate_challenge(&user, new.generate(T0 + 150).as_str())
        .unwrap();
    assert_eq!((ok.success, ok.failed_attempts), (true, 0));
    assert!(
        org.at(T0 + 90_000)
            .validate_challenge(&user, &codes[1])
            .unwrap()
            .recovery_code_used,
        "the recovery codes carry over"
    );
    assert_eq!(
        org.at(T0 + 200).validate_enrollment(&user, "123456"),
        Err(Error::AlreadyValidated)
    );
}

#[test]
fn a_pending_secret_cannot_clear_a_lockout_earned_on_the_active_one() {
    let org = Org::new();
    let (user, old, _) = org.active();
    let now = T0 + 100;
    back_off(&org, &user, &old, now);
    let new = totp_of(&org.at(now + 1).enroll(&user, false).unwrap());
    assert_eq!(
        org.at(now + 2)
            .validate_enrollment(&user, new.generate(now + 2).as_str()),
        Err(Error::Throttled {
            retry_after: 28,
            until: now + 30
        })
    );
    // Proven after the backoff, the count stays where the active secret left it.
    let proven = org
        .at(now + 30)
        .validate_enrollment(&user, new.generate(now + 30).as_str())
        .unwrap();
    assert_eq!((proven.success, proven.failed_attempts), (true, 5));
}

#[test]
fn a_forced_enrollment_replaces_at_once_and_clears_the_lockout() {
    let org = Org::new();
    let (user, old, _) = org.active();
    let now = T0 + 100;
    back_off(&org, &user, &old, now);
    org.at(now + 1).enroll(&user, false).unwrap();
    let forced = org.at(now + 2).enroll(&user, true).unwrap();
    assert!(forced.recovery_codes.is_some());
    let (factor, guard) = (org.factor(&user), org.guard(&user));
    assert_eq!(
        (
            factor.status,
            factor.pending.as_ref(),
            guard.failures,
            guard.locked_until
        ),
        (FactorStatus::Pending, None, 0, 0)
    );
    assert_eq!(
        org.at(now + 3)
            .validate_challenge(&user, old.generate(now + 3).as_str()),
        Err(Error::EnrollmentPending)
    );
    let new = totp_of(&forced);
    assert!(
        org.at(now + 4)
            .validate_enrollment(&user, new.generate(now + 4).as_str())
            .unwrap()
            .success
    );
}

#[test]
fn a_reseal_pass_reseals_the_pending_secret_too() {
    let org = Org::new();
    let (user, _, _) = org.active();
    let new = totp_of(&org.at(T0 + 30).enroll(&user, false).unwrap());
    let rotated = Org {
        keys: super::keys_with("k3:9,k2:2"),
        ..org
    };
    let report = rotated.at(T0 + 40).reseal(10).unwrap();
    assert_eq!((report.resealed, report.remaining), (2, false));
    let factor = rotated.factor(&user);
    for sealed in [
        &factor.enrollment.sealed_secret,
        &factor.pending.unwrap().sealed_secret,
    ] {
        assert_eq!(crate::keys::sealed_key_id(sealed), Some("k3"));
    }
    let only_new = Org {
        keys: super::keys_with("k3:9"),
        ..rotated
    };
    assert!(
        only_new
            .at(T0 + 60)
            .validate_enrollment(&user, new.generate(T0 + 60).as_str())
            .unwrap()
            .success
    );
}
