//! Trusted devices: remembered by a validated challenge, verified by their token, revoked by
//! every change that ends the trust they rest on.

use super::{Org, T0, holds, stored_bytes, totp_of};
use crate::error::{Error, Record};
use crate::guard::{DEVICE_WINDOW, MAX_DEVICE_FAILURES};
use crate::org::{ConnectionUpdate, EnrollOptions, MAX_DEVICES, RememberDevice, ValidationResult};

const DAY: u64 = 86_400;

fn trusting(org: &Org, days: u64) {
    org.configure(ConnectionUpdate {
        trusted_device_days: Some(days),
        ..ConnectionUpdate::default()
    });
}

fn remember(name: &str) -> RememberDevice {
    RememberDevice {
        remember_device: true,
        device_name: Some(name.into()),
    }
}

/// A challenge validated at `now` with the user's code, remembering a device.
fn validated(org: &Org, user: &str, totp: &otp_core::Totp, now: u64) -> ValidationResult {
    org.at(now)
        .validate_challenge_remembering(user, totp.generate(now).as_str(), remember("Laptop"))
        .unwrap()
}

fn trusted(org: &Org, user: &str, token: &str, now: u64) -> bool {
    org.at(now)
        .verify_device(user, Some(token.into()))
        .unwrap()
        .trusted
}

#[test]
fn a_remembered_device_is_trusted_until_it_expires() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    trusting(&org, 30);
    let result = validated(&org, &user, &totp, T0 + 30);
    let token = result.device_token.unwrap();
    assert_eq!(token.len(), 43, "256 bits, base64url");
    assert_eq!(result.device_expires_at, Some(T0 + 30 + 30 * DAY));
    let verified = org
        .at(T0 + 60)
        .verify_device(&user, Some(token.clone()))
        .unwrap();
    assert_eq!(
        (verified.trusted, verified.expires_at, verified.device_id),
        (true, Some(T0 + 30 + 30 * DAY), result.device_id.clone())
    );
    let listed = org.at(T0 + 60).trusted_devices(&user).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_deref(), listed[0].last_used_at),
        (Some("Laptop"), Some(T0 + 60))
    );
    assert!(trusted(&org, &user, &token, T0 + 30 + 30 * DAY));
    assert!(
        !trusted(&org, &user, &token, T0 + 30 + 30 * DAY + 1),
        "expired"
    );
    assert!(
        org.at(T0 + 31 * DAY)
            .trusted_devices(&user)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_token_is_stored_only_as_a_keyed_hash_and_only_for_its_user() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let other = org.user("other@acme.test");
    trusting(&org, 30);
    let token = validated(&org, &user, &totp, T0 + 30).device_token.unwrap();
    let stored = stored_bytes(&org, "trusted_devices");
    assert!(holds(&stored, "Laptop"), "the scan sees what is stored");
    assert!(!holds(&stored, &token), "the token never");
    assert!(
        !trusted(&org, &other, &token, T0 + 60),
        "another user's token"
    );
    assert!(trusted(&org, &user, &token, T0 + 60));
}

#[test]
fn nothing_is_remembered_while_trusted_devices_are_off_or_on_a_refusal_or_a_recovery_code() {
    let org = Org::new();
    let (user, totp, codes) = org.active();
    assert_eq!(
        validated(&org, &user, &totp, T0 + 30).device_token,
        None,
        "off"
    );
    trusting(&org, 1);
    let wrong = super::wrong(totp.generate(T0 + 60).as_str());
    let refused = org
        .at(T0 + 60)
        .validate_challenge_remembering(&user, &wrong, remember("x"))
        .unwrap();
    assert_eq!((refused.success, refused.device_token), (false, None));
    let recovered = org
        .at(T0 + 90)
        .validate_challenge_remembering(&user, &codes[0], remember("x"))
        .unwrap();
    assert!(recovered.success && recovered.recovery_code_used);
    assert_eq!(recovered.device_token, None);
    assert!(org.at(T0 + 90).trusted_devices(&user).unwrap().is_empty());
}

#[test]
fn each_revoking_change_revokes_every_device() {
    type Change = fn(&Org, &str, &[String], u64);
    let changes: [(&str, Change); 6] = [
        ("a factor removed", |org, user, _, now| {
            let id = org.factor(user).id;
            org.at(now).delete_factor(user, &id).unwrap();
        }),
        ("the enrollment removed", |org, user, _, now| {
            org.at(now).delete_enrollment(user).unwrap();
        }),
        ("a forced enrollment", |org, user, _, now| {
            org.at(now).enroll(user, true).unwrap();
        }),
        ("a recovery code used", |org, user, codes, now| {
            assert!(
                org.at(now)
                    .validate_challenge(user, &codes[0])
                    .unwrap()
                    .success
            );
        }),
        ("a re-enrollment proven", |org, user, _, now| {
            let created = org.at(now).enroll(user, false).unwrap();
            let code = totp_of(&created).generate(now + 60);
            assert!(
                org.at(now + 60)
                    .validate_enrollment(user, code.as_str())
                    .unwrap()
                    .success
            );
        }),
        ("the devices revoked", |org, user, _, now| {
            org.at(now).revoke_devices(user).unwrap();
        }),
    ];
    for (change, apply) in changes {
        let org = Org::new();
        let (user, totp, codes) = org.active();
        trusting(&org, 30);
        let token = validated(&org, &user, &totp, T0 + 30).device_token.unwrap();
        assert!(trusted(&org, &user, &token, T0 + 31), "{change}: before");
        apply(&org, &user, &codes, T0 + 60);
        assert!(!trusted(&org, &user, &token, T0 + 200), "{change}: after");
        assert!(
            org.at(T0 + 200).trusted_devices(&user).unwrap().is_empty(),
            "{change}: listed"
        );
    }
}

#[test]
fn adding_a_factor_or_renaming_one_keeps_the_devices() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    trusting(&org, 30);
    let token = validated(&org, &user, &totp, T0 + 30).device_token.unwrap();
    let added = EnrollOptions {
        add_factor: true,
        ..EnrollOptions::default()
    };
    org.at(T0 + 40).enroll_with(&user, added).unwrap();
    let id = org.factor(&user).id;
    org.at(T0 + 40)
        .rename_factor(&user, &id, Some("Phone".into()))
        .unwrap();
    assert!(trusted(&org, &user, &token, T0 + 50));
}

#[test]
fn one_device_is_revoked_alone() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    trusting(&org, 30);
    let first = validated(&org, &user, &totp, T0 + 30);
    let second = validated(&org, &user, &totp, T0 + 60);
    let first_id = first.device_id.unwrap();
    org.at(T0 + 70).revoke_device(&user, &first_id).unwrap();
    assert!(!trusted(&org, &user, &first.device_token.unwrap(), T0 + 80));
    assert!(trusted(&org, &user, &second.device_token.unwrap(), T0 + 80));
    assert_eq!(
        org.at(T0 + 80).revoke_device(&user, &first_id),
        Err(Error::NotFound(Record::TrustedDevice))
    );
}

#[test]
fn a_user_keeps_at_most_ten_devices_the_oldest_forgotten() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    trusting(&org, 30);
    let tokens: Vec<String> = (0..=u64::from(MAX_DEVICES))
        .map(|n| {
            validated(&org, &user, &totp, T0 + 30 * (n + 1))
                .device_token
                .unwrap()
        })
        .collect();
    let now = T0 + 30 * (u64::from(MAX_DEVICES) + 2);
    assert_eq!(
        org.at(now).trusted_devices(&user).unwrap().len(),
        MAX_DEVICES as usize
    );
    assert!(!trusted(&org, &user, &tokens[0], now), "the oldest");
    assert!(trusted(&org, &user, &tokens[1], now));
}

#[test]
fn failed_verifications_are_limited_apart_from_the_lockout() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    trusting(&org, 30);
    let token = validated(&org, &user, &totp, T0 + 30).device_token.unwrap();
    let now = T0 + 60;
    for _ in 0..MAX_DEVICE_FAILURES {
        assert!(!trusted(&org, &user, "guess", now));
    }
    let refused = org.at(now).verify_device(&user, Some(token.clone()));
    assert!(
        refused
            == Err(Error::DeviceVerificationLimit {
                retry_after: DEVICE_WINDOW
            }),
        "even a good token, until the window ends: {refused:?}"
    );
    assert_eq!(org.guard(&user).failures, 0, "never the user's lockout");
    assert!(trusted(&org, &user, &token, now + DEVICE_WINDOW));
    assert!(matches!(
        org.at(now).verify_device(&user, None),
        Err(Error::Invalid {
            field: "device_token",
            ..
        })
    ));
    assert!(matches!(
        org.at(now).verify_device(&user, Some("x".repeat(129))),
        Err(Error::Invalid {
            field: "device_token",
            ..
        })
    ));
    assert!(
        !org.at(now + DEVICE_WINDOW)
            .verify_device(&user, Some("x".repeat(128)))
            .unwrap()
            .trusted,
        "128 characters are looked up"
    );
    assert_eq!(
        org.at(now).verify_device("nobody", Some(token)),
        Err(Error::NotFound(Record::User))
    );
}

#[test]
fn a_deleted_users_devices_go_with_them() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    trusting(&org, 30);
    validated(&org, &user, &totp, T0 + 30);
    org.at(T0 + 40).delete_user(&user).unwrap();
    assert!(stored_bytes(&org, "trusted_devices").is_empty());
}

#[test]
fn a_device_name_is_checked_before_the_code_counts() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let long = RememberDevice {
        remember_device: false,
        device_name: Some("x".repeat(65)),
    };
    let refused = org.at(T0 + 30).validate_challenge_remembering(
        &user,
        totp.generate(T0 + 30).as_str(),
        long,
    );
    assert!(matches!(
        refused,
        Err(Error::Invalid {
            field: "device_name",
            ..
        })
    ));
    assert_eq!(org.guard(&user).failures, 0);
}
