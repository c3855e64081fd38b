//! Failed attempts: counted before the check, backing off, persisting, capped at 100.

use super::{Org, T0, totp_of, wrong};
use crate::error::Error;
use crate::org::ConnectionUpdate;

#[test]
fn failures_back_off_and_persist_across_challenges_and_reenrollment() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let now = T0 + 100;
    let bad = wrong(totp.generate(now).as_str());
    for attempt in 1..=5 {
        let result = org.at(now).validate_challenge(&user, &bad).unwrap();
        assert_eq!(result.failed_attempts, attempt);
    }
    // The fifth failure started a 30 s backoff, through a new challenge as well.
    org.at(now).create_challenge(&user).unwrap();
    let throttled = org.at(now + 1).validate_challenge(&user, &bad);
    assert_eq!(
        throttled,
        Err(Error::Throttled {
            retry_after: 29,
            until: now + 30
        })
    );
    // Re-enrolling without force keeps the count and the lock.
    let created = org.at(now + 2).enroll(&user, false).unwrap();
    assert!(created.recovery_codes.is_none());
    let new_totp = totp_of(&created);
    let locked = org
        .at(now + 3)
        .validate_enrollment(&user, new_totp.generate(now + 3).as_str());
    assert_eq!(
        locked,
        Err(Error::Throttled {
            retry_after: 27,
            until: now + 30
        })
    );
    // After the delay, the next failure doubles it.
    let result = org
        .at(now + 30)
        .validate_enrollment(&user, &wrong(new_totp.generate(now + 30).as_str()))
        .unwrap();
    assert_eq!(result.failed_attempts, 6);
    assert_eq!(
        org.at(now + 31).validate_enrollment(&user, "000000"),
        Err(Error::Throttled {
            retry_after: 59,
            until: now + 90
        })
    );
    // A right code after the delay proves the new secret, which replaces the old one; the
    // count earned on the factor stays until a success of the active secret.
    let ok = org
        .at(now + 90)
        .validate_enrollment(&user, new_totp.generate(now + 90).as_str())
        .unwrap();
    assert_eq!((ok.success, ok.failed_attempts), (true, 6));
    assert_eq!(org.guard(&user).locked_until, now + 30 + 60);
    let cleared = org
        .at(now + 120)
        .validate_challenge(&user, new_totp.generate(now + 120).as_str())
        .unwrap();
    assert_eq!((cleared.success, cleared.failed_attempts), (true, 0));
    assert_eq!(org.guard(&user).locked_until, 0);
}

#[test]
fn the_backoff_is_capped_at_an_hour() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let mut now = T0 + 100;
    // The 12th failure would wait 30 s × 2^7 = 3840 s: capped at 3600.
    for _ in 0..100 {
        if org.guard(&user).failures == 12 {
            break;
        }
        match org
            .at(now)
            .validate_challenge(&user, &wrong(totp.generate(now).as_str()))
        {
            Ok(_) => {}
            Err(Error::Throttled { retry_after, .. }) => now += retry_after,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(org.guard(&user).locked_until, now + 3600);
    assert_eq!(
        org.at(now).validate_challenge(&user, "000000"),
        Err(Error::Throttled {
            retry_after: 3600,
            until: now + 3600
        })
    );
}

#[test]
fn the_free_attempts_follow_the_connection() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    org.configure(ConnectionUpdate {
        max_attempts: Some(2),
        ..Default::default()
    });
    let now = T0 + 100;
    let bad = wrong(totp.generate(now).as_str());
    org.at(now).validate_challenge(&user, &bad).unwrap();
    org.at(now).validate_challenge(&user, &bad).unwrap();
    assert_eq!(
        org.at(now).validate_challenge(&user, &bad),
        Err(Error::Throttled {
            retry_after: 30,
            until: now + 30
        })
    );
}

#[test]
fn never_more_than_one_hundred_consecutive_failures() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let mut now = T0 + 100;
    let mut failures = 0;
    // Bounded: 100 failures and their backoffs take fewer than 300 attempts.
    for _ in 0..300 {
        match org
            .at(now)
            .validate_challenge(&user, &wrong(totp.generate(now).as_str()))
        {
            Ok(result) => failures = result.failed_attempts,
            Err(Error::Throttled { retry_after, .. }) => now += retry_after,
            Err(Error::Locked) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(failures, 100);
    // Even the right code is refused now; a forced enrollment starts over.
    let right = org
        .at(now)
        .validate_challenge(&user, totp.generate(now).as_str());
    assert!(matches!(right, Err(Error::Locked)));
    let created = org.at(now).enroll(&user, true).unwrap();
    assert_eq!(created.recovery_codes.unwrap().lines().count(), 5);
    assert_eq!(org.guard(&user).failures, 0);
}
