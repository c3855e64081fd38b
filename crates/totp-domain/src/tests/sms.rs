//! SMS codes: one per challenge, used once, until it expires, while it is the open one.

use super::{Org, T0};
use crate::org::SMS_CODE_LIFETIME;

/// An organization on the SMS method with one user whose enrollment is validated.
fn sms_user() -> (Org, String) {
    let org = Org::new();
    let user = org.with_user();
    org.on_sms();
    let created = org.at(T0).enroll(&user, false).unwrap();
    assert_eq!(created.expires_at, Some(T0 + SMS_CODE_LIFETIME));
    let proven = org
        .at(T0 + 1)
        .validate_enrollment(&user, &created.code.unwrap())
        .unwrap();
    assert!(proven.success);
    (org, user)
}

fn validate(org: &Org, now: u64, user: &str, code: &str) -> (bool, u32) {
    let result = org.at(now).validate_challenge(user, code).unwrap();
    (result.success, result.failed_attempts)
}

#[test]
fn two_challenge_rounds_in_one_time_step_both_succeed_each_with_its_own_code() {
    let (org, user) = sms_user();
    let mut codes = Vec::new();
    for round in 0..2 {
        let now = T0 + 60 + round;
        let challenge = org.at(now).create_challenge(&user).unwrap();
        assert_eq!(challenge.expires_at, now + SMS_CODE_LIFETIME);
        let code = challenge.code.unwrap();
        assert_eq!(
            validate(&org, now, &user, &code),
            (true, 0),
            "round {round}"
        );
        assert!(!validate(&org, now, &user, &code).0, "used once");
        codes.push(code);
    }
    let fresh: std::collections::HashSet<String> = (0..8)
        .map(|i| {
            org.at(T0 + 200 + i)
                .create_challenge(&user)
                .unwrap()
                .code
                .unwrap()
        })
        .collect();
    assert!(fresh.len() > 1, "codes are not derived from the time step");
}

#[test]
fn a_new_challenge_supersedes_the_open_one() {
    let (org, user) = sms_user();
    let first = org
        .at(T0 + 60)
        .create_challenge(&user)
        .unwrap()
        .code
        .unwrap();
    let second = org
        .at(T0 + 61)
        .create_challenge(&user)
        .unwrap()
        .code
        .unwrap();
    if first != second {
        assert_eq!(validate(&org, T0 + 62, &user, &first), (false, 1));
    }
    assert_eq!(validate(&org, T0 + 63, &user, &second), (true, 0));
}

#[test]
fn a_code_expires_at_its_expires_at() {
    let (org, user) = sms_user();
    let challenge = org.at(T0 + 60).create_challenge(&user).unwrap();
    let code = challenge.code.unwrap();
    assert_eq!(
        validate(&org, challenge.expires_at + 1, &user, &code),
        (false, 1)
    );
    let again = org.at(T0 + 600).create_challenge(&user).unwrap();
    let code = again.code.unwrap();
    assert_eq!(validate(&org, again.expires_at, &user, &code), (true, 0));
}

#[test]
fn no_code_validates_without_an_open_challenge() {
    let (org, user) = sms_user();
    // The enrollment's code was spent; no challenge is open: nothing validates, whatever the
    // guess, and each guess counts.
    for (guess, code) in ["000000", "123456", "999999"].iter().enumerate() {
        assert_eq!(
            validate(&org, T0 + 60, &user, code),
            (false, guess as u32 + 1)
        );
    }
}

#[test]
fn an_enrollment_code_answers_no_challenge_and_a_challenge_code_no_enrollment() {
    let org = Org::new();
    let user = org.with_user();
    org.on_sms();
    let enrollment_code = org.at(T0).enroll(&user, false).unwrap().code.unwrap();
    assert!(
        org.at(T0 + 1).create_challenge(&user).is_err(),
        "not validated yet"
    );
    assert!(
        org.at(T0 + 1)
            .validate_enrollment(&user, &enrollment_code)
            .unwrap()
            .success
    );
    let challenge_code = org
        .at(T0 + 2)
        .create_challenge(&user)
        .unwrap()
        .code
        .unwrap();
    assert_eq!(
        validate(&org, T0 + 3, &user, &enrollment_code).0,
        enrollment_code == challenge_code
    );
    let stored = super::export(&org).tables["challenges"].to_string();
    assert!(
        !stored.contains(&challenge_code),
        "only a keyed hash is stored: {stored}"
    );
}

#[test]
fn a_forced_enrollment_closes_the_old_factors_open_challenge() {
    let (org, user) = sms_user();
    let sent = org
        .at(T0 + 60)
        .create_challenge(&user)
        .unwrap()
        .code
        .unwrap();
    let forced = org.at(T0 + 61).enroll(&user, true).unwrap();
    assert!(
        org.at(T0 + 62)
            .validate_enrollment(&user, &forced.code.unwrap())
            .unwrap()
            .success
    );
    assert_eq!(validate(&org, T0 + 63, &user, &sent), (false, 1));
}
