//! Challenges and the rule that a code is accepted at most once.

use super::{Org, T0, wrong};
use crate::error::Error;
use crate::model::PageRequest;
use crate::org::FailureReason;

#[test]
fn a_code_is_accepted_once_and_older_steps_never_again() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let later = T0 + 60;
    let code = totp.generate(later);
    assert!(
        org.at(later)
            .validate_challenge(&user, code.as_str())
            .unwrap()
            .success
    );
    let replay = org
        .at(later + 5)
        .validate_challenge(&user, code.as_str())
        .unwrap();
    assert!(!replay.success);
    assert_eq!(replay.failed_attempts, 1, "a replay counts as a failure");
    // The previous step is inside the window, but older than the accepted one.
    let previous = totp.generate(later - 30);
    assert!(
        !org.at(later)
            .validate_challenge(&user, previous.as_str())
            .unwrap()
            .success
    );
}

#[test]
fn the_enrollment_code_cannot_be_replayed_on_a_challenge() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let code = totp.generate(T0);
    assert!(
        !org.at(T0 + 1)
            .validate_challenge(&user, code.as_str())
            .unwrap()
            .success
    );
}

#[test]
fn the_skew_window_accepts_neighbours_only() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let now = T0 + 300;
    let ahead = totp.generate(now + 30);
    assert!(
        org.at(now)
            .validate_challenge(&user, ahead.as_str())
            .unwrap()
            .success
    );
    let too_far = totp.generate(now + 90);
    assert!(
        !org.at(now)
            .validate_challenge(&user, too_far.as_str())
            .unwrap()
            .success
    );
    let behind = totp.generate(now + 600 - 30);
    assert!(
        org.at(now + 600)
            .validate_challenge(&user, behind.as_str())
            .unwrap()
            .success
    );
}

#[test]
fn codes_are_read_as_apps_show_them_and_other_shapes_refused_before_they_count() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let now = T0 + 60;
    for nonsense in ["", "abcdef", "1234567", "12 456", "12345a", "１２３４５６"] {
        let refused = org.at(now).validate_challenge(&user, nonsense);
        assert!(
            matches!(refused, Err(Error::Invalid { field: "code", .. })),
            "{nonsense:?}: {refused:?}"
        );
    }
    assert_eq!(
        org.guard(&user).failures,
        0,
        "a malformed code is not an attempt"
    );
    let wrong_code = wrong(totp.generate(now).as_str());
    let refused = org.at(now).validate_challenge(&user, &wrong_code).unwrap();
    assert_eq!(
        (refused.success, refused.failed_attempts, refused.reason),
        (false, 1, Some(FailureReason::InvalidCode))
    );
    let code = totp.generate(now);
    let grouped = format!(" {}-{} ", &code.as_str()[..3], &code.as_str()[3..]);
    let accepted = org.at(now).validate_challenge(&user, &grouped).unwrap();
    assert_eq!((accepted.success, accepted.reason), (true, None));
    // The same code again, in the same step: right, but its step is spent.
    let spaced = format!("{} {}", &code.as_str()[..3], &code.as_str()[3..]);
    let again = org.at(now + 1).validate_challenge(&user, &spaced).unwrap();
    assert_eq!(
        (again.success, again.failed_attempts, again.reason),
        (false, 1, Some(FailureReason::CodeAlreadyUsed))
    );
}

#[test]
fn a_challenge_expires_with_its_code_window() {
    let org = Org::new();
    let (user, _, _) = org.active();
    let challenge = org.at(T0 + 61).create_challenge(&user).unwrap();
    // Step of T0 + 61 is T0/30 + 2; the window reaches one step further.
    let step_end = (T0 / 30 + 2 + 1 + 1) * 30 - 1;
    assert_eq!(challenge.expires_at, step_end);
    assert!(challenge.code.is_none(), "app users compute their own code");
}

#[test]
fn the_audit_trail_records_each_outcome_without_secrets() {
    let org = Org::new();
    let (user, totp, codes) = org.active();
    org.at(T0 + 30).create_challenge(&user).unwrap();
    org.at(T0 + 60)
        .validate_challenge(&user, &wrong(totp.generate(T0 + 60).as_str()))
        .unwrap();
    org.at(T0 + 61)
        .validate_challenge(&user, &codes[0])
        .unwrap();
    org.at(T0 + 90)
        .validate_challenge(&user, totp.generate(T0 + 90).as_str())
        .unwrap();
    let events = org
        .at(T0)
        .audit_events(PageRequest::numbered(1, 100))
        .unwrap();
    let names: Vec<_> = events.data.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "validation.succeeded",
            "recovery_code.used",
            "validation.failed",
            "challenge.created",
            "enrollment.validated",
            "enrollment.created",
            "user.created",
            "connection.updated"
        ]
    );
    assert!(
        events
            .data
            .iter()
            .all(|event| event.user_id.is_some() || event.event == "connection.updated")
    );
    let all = format!("{:?}", events.data);
    assert!(!all.contains(&codes[0]) && !all.contains(totp.generate(T0).as_str()));
}
