//! The domain's rules, natively: in-memory store, fixed clock.
#![allow(clippy::unwrap_used, clippy::panic)]

use otp_core::{OtpauthUri, Totp};
use pollster::block_on;

use super::error::Error;
use super::keys::{Keys, tests::keys};
use super::model::{Environment, Organization, PageRequest, Tenant};
use super::{ConnectionUpdate, EnrollmentCreated, FixedClock, NewUser, Service};
use crate::storage::memory::MemoryStore;

const T0: u64 = 1_800_000_000;

struct World {
    store: MemoryStore,
    keys: Keys,
    tenant: Tenant,
}

impl World {
    fn new() -> Self {
        let world = Self {
            store: MemoryStore::default(),
            keys: keys(),
            tenant: Tenant {
                account_id: String::new(),
                environment: Environment::Sandbox,
            },
        };
        let account = block_on(world.at(T0).create_account("communitiz-app")).unwrap();
        Self {
            tenant: Tenant {
                account_id: account.id,
                ..world.tenant.clone()
            },
            ..world
        }
    }

    fn at(&self, now: u64) -> Service<'_, MemoryStore, FixedClock> {
        Service::new(&self.store, &self.keys, FixedClock(now))
    }

    /// An organization with an active connection and one user; returns (org, user id).
    fn org_with_user(&self) -> (Organization, String) {
        let service = self.at(T0);
        let org = block_on(service.create_organization(
            &self.tenant,
            "Communitiz App",
            &["communitiz.app".into()],
        ))
        .unwrap();
        let update = ConnectionUpdate {
            active: Some(true),
            ..Default::default()
        };
        block_on(service.update_connection(&org, update)).unwrap();
        let new = NewUser {
            email: Some("emilie@communitiz-app.co".into()),
            ..Default::default()
        };
        let user = block_on(service.create_user(&org, new)).unwrap();
        (org, user.id)
    }

    fn enrolled(&self) -> (Organization, String, Totp, EnrollmentCreated) {
        let (org, user) = self.org_with_user();
        let created = block_on(self.at(T0).enroll(&org, &user, false)).unwrap();
        let totp = OtpauthUri::parse(created.otpauth_uri.as_deref().unwrap())
            .unwrap()
            .totp()
            .unwrap();
        (org, user, totp, created)
    }

    fn active(&self) -> (Organization, String, Totp, Vec<String>) {
        let (org, user, totp, created) = self.enrolled();
        let result = block_on(self.at(T0).validate_enrollment(
            &org,
            &user,
            totp.generate(T0).as_str(),
        ))
        .unwrap();
        assert!(result.success);
        let codes = created
            .recovery_codes
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        (org, user, totp, codes)
    }
}

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[test]
fn organizations_get_unique_domains_and_an_inactive_connection() {
    let world = World::new();
    let service = world.at(T0);
    let first =
        block_on(service.create_organization(&world.tenant, "Communitiz App", &[])).unwrap();
    let second =
        block_on(service.create_organization(&world.tenant, "Communitiz  App!", &[])).unwrap();
    assert_eq!(
        (first.domain.as_str(), second.domain.as_str()),
        ("communitiz-app", "communitiz-app-2")
    );
    assert!(!block_on(service.connection(&first)).unwrap().active);
    let production = Tenant {
        environment: Environment::Production,
        ..world.tenant.clone()
    };
    assert_eq!(
        block_on(service.organization(&production, "communitiz-app")),
        Err(Error::NotFound("organization not found"))
    );
}

#[test]
fn duplicate_emails_are_refused_whatever_their_case() {
    let world = World::new();
    let (org, _) = world.org_with_user();
    let new = NewUser {
        email: Some("EMILIE@communitiz-app.co".into()),
        ..Default::default()
    };
    let error = block_on(world.at(T0).create_user(&org, new)).unwrap_err();
    assert_eq!(error.to_string(), "email has already been taken");
    let by_email = block_on(world.at(T0).user(&org, "Emilie@Communitiz-App.co")).unwrap();
    assert_eq!(by_email.profile.email, "emilie@communitiz-app.co");
}

#[test]
fn users_are_paginated_with_totals() {
    let world = World::new();
    let (org, _) = world.org_with_user();
    for n in 0..4 {
        let new = NewUser {
            email: Some(format!("u{n}@example.com")),
            ..Default::default()
        };
        block_on(world.at(T0).create_user(&org, new)).unwrap();
    }
    let page = block_on(world.at(T0).users(
        &org,
        PageRequest {
            page: 2,
            per_page: 2,
        },
    ))
    .unwrap();
    assert_eq!(
        (
            page.data.len(),
            page.total_count,
            page.next_page,
            page.previous_page
        ),
        (2, 5, Some(3), Some(1))
    );
}

#[test]
fn an_inactive_connection_refuses_enrollment() {
    let world = World::new();
    let (org, user) = world.org_with_user();
    let update = ConnectionUpdate {
        active: Some(false),
        ..Default::default()
    };
    block_on(world.at(T0).update_connection(&org, update)).unwrap();
    assert!(matches!(
        block_on(world.at(T0).enroll(&org, &user, false)),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn nonsense_connection_values_name_their_field() {
    let world = World::new();
    let (org, _) = world.org_with_user();
    let cases = [
        (
            ConnectionUpdate {
                digits: Some(9),
                ..Default::default()
            },
            "digits",
        ),
        (
            ConnectionUpdate {
                period: Some(0),
                ..Default::default()
            },
            "period",
        ),
        (
            ConnectionUpdate {
                method: Some("email".into()),
                ..Default::default()
            },
            "method",
        ),
        (
            ConnectionUpdate {
                algorithm: Some("MD5".into()),
                ..Default::default()
            },
            "algorithm",
        ),
        (
            ConnectionUpdate {
                skew: Some(99),
                ..Default::default()
            },
            "skew",
        ),
        (
            ConnectionUpdate {
                issuer: Some("a:b".into()),
                ..Default::default()
            },
            "issuer",
        ),
    ];
    for (update, field) in cases {
        match block_on(world.at(T0).update_connection(&org, update)) {
            Err(Error::Invalid { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn enrollment_returns_a_uri_five_recovery_codes_and_validates_once() {
    let world = World::new();
    let (org, user, totp, created) = world.enrolled();
    assert_eq!(
        created.recovery_codes.as_deref().unwrap().lines().count(),
        5
    );
    assert_eq!(created.secret.as_deref().map(str::len), Some(32));
    let code = totp.generate(T0);
    let result = block_on(world.at(T0).validate_enrollment(&org, &user, code.as_str())).unwrap();
    assert!(result.success);
    let again = block_on(
        world
            .at(T0 + 1)
            .validate_enrollment(&org, &user, code.as_str()),
    );
    assert!(matches!(again, Err(Error::Conflict(_))));
}

#[test]
fn a_wrong_enrollment_code_leaves_it_pending_and_counts() {
    let world = World::new();
    let (org, user, totp, _) = world.enrolled();
    let bad = wrong(totp.generate(T0).as_str());
    let result = block_on(world.at(T0).validate_enrollment(&org, &user, &bad)).unwrap();
    assert_eq!((result.success, result.failed_attempts), (false, 1));
    assert!(block_on(world.at(T0).create_challenge(&org, &user)).is_err());
}

#[test]
fn a_code_is_accepted_once_and_older_steps_never_again() {
    let world = World::new();
    let (org, user, totp, _) = world.active();
    let later = T0 + 60;
    let code = totp.generate(later);
    assert!(
        block_on(
            world
                .at(later)
                .validate_challenge(&org, &user, code.as_str())
        )
        .unwrap()
        .success
    );
    let replay = block_on(
        world
            .at(later + 5)
            .validate_challenge(&org, &user, code.as_str()),
    )
    .unwrap();
    assert!(!replay.success);
    // The previous step is inside the window, but older than the accepted one.
    let previous = totp.generate(later - 30);
    assert!(
        !block_on(
            world
                .at(later)
                .validate_challenge(&org, &user, previous.as_str())
        )
        .unwrap()
        .success
    );
}

#[test]
fn the_skew_window_accepts_neighbours_only() {
    let world = World::new();
    let (org, user, totp, _) = world.active();
    let now = T0 + 300;
    let ahead = totp.generate(now + 30);
    assert!(
        block_on(
            world
                .at(now)
                .validate_challenge(&org, &user, ahead.as_str())
        )
        .unwrap()
        .success
    );
    let too_far = totp.generate(now + 90);
    assert!(
        !block_on(
            world
                .at(now)
                .validate_challenge(&org, &user, too_far.as_str())
        )
        .unwrap()
        .success
    );
}

#[test]
fn failures_back_off_and_persist_across_challenges_and_reenrollment() {
    let world = World::new();
    let (org, user, totp, _) = world.active();
    let now = T0 + 100;
    let bad = wrong(totp.generate(now).as_str());
    for attempt in 1..=5 {
        let result = block_on(world.at(now).validate_challenge(&org, &user, &bad)).unwrap();
        assert_eq!(result.failed_attempts, attempt);
    }
    // The fifth failure started a 30 s backoff, through a new challenge as well.
    block_on(world.at(now).create_challenge(&org, &user)).unwrap();
    let throttled = block_on(world.at(now + 1).validate_challenge(&org, &user, &bad));
    assert_eq!(throttled, Err(Error::Throttled { retry_after: 29 }));
    // Re-enrolling without force keeps the count and the lock.
    let created = block_on(world.at(now + 2).enroll(&org, &user, false)).unwrap();
    assert!(created.recovery_codes.is_none());
    let new_totp = OtpauthUri::parse(&created.otpauth_uri.unwrap())
        .unwrap()
        .totp()
        .unwrap();
    let locked = block_on(world.at(now + 3).validate_enrollment(
        &org,
        &user,
        new_totp.generate(now + 3).as_str(),
    ));
    assert_eq!(locked, Err(Error::Throttled { retry_after: 27 }));
    // After the delay, the next failure doubles it.
    let result = block_on(world.at(now + 30).validate_enrollment(
        &org,
        &user,
        &wrong(new_totp.generate(now + 30).as_str()),
    ))
    .unwrap();
    assert_eq!(result.failed_attempts, 6);
    assert_eq!(
        block_on(
            world
                .at(now + 31)
                .validate_enrollment(&org, &user, "000000")
        ),
        Err(Error::Throttled { retry_after: 59 })
    );
    // A right code after the delay clears everything.
    let ok = block_on(world.at(now + 90).validate_enrollment(
        &org,
        &user,
        new_totp.generate(now + 90).as_str(),
    ))
    .unwrap();
    assert_eq!((ok.success, ok.failed_attempts), (true, 0));
}

#[test]
fn never_more_than_one_hundred_consecutive_failures() {
    let world = World::new();
    let (org, user, totp, _) = world.active();
    let mut now = T0 + 100;
    let mut failures = 0;
    loop {
        match block_on(world.at(now).validate_challenge(
            &org,
            &user,
            &wrong(totp.generate(now).as_str()),
        )) {
            Ok(result) => failures = result.failed_attempts,
            Err(Error::Throttled { retry_after }) => now += retry_after,
            Err(Error::Forbidden(_)) => break,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(failures, 100);
    // Even the right code is refused now; a forced enrollment starts over.
    let right = block_on(world.at(now).validate_challenge(
        &org,
        &user,
        totp.generate(now).as_str(),
    ));
    assert!(matches!(right, Err(Error::Forbidden(_))));
    let created = block_on(world.at(now).enroll(&org, &user, true)).unwrap();
    assert_eq!(created.recovery_codes.unwrap().lines().count(), 5);
}

#[test]
fn recovery_codes_are_single_use_one_per_day_and_require_reenrollment() {
    let world = World::new();
    let (org, user, _, codes) = world.active();
    let now = T0 + 100;
    let used = block_on(
        world
            .at(now)
            .validate_challenge(&org, &user, &codes[0].to_uppercase()),
    )
    .unwrap();
    assert!(used.success && used.recovery_code_used && used.reenrollment_required);
    // The same code never again; another one not within 24 hours.
    assert!(
        !block_on(
            world
                .at(now + 90_000)
                .validate_challenge(&org, &user, &codes[0])
        )
        .unwrap()
        .success
    );
    assert!(
        !block_on(
            world
                .at(now + 86_399)
                .validate_challenge(&org, &user, &codes[1])
        )
        .unwrap()
        .success
    );
    assert!(
        block_on(
            world
                .at(now + 86_400 * 2)
                .validate_challenge(&org, &user, &codes[1])
        )
        .unwrap()
        .success
    );
}

#[test]
fn recovery_codes_do_not_validate_an_enrollment() {
    let world = World::new();
    let (org, user, _, created) = world.enrolled();
    let code = created
        .recovery_codes
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        !block_on(world.at(T0).validate_enrollment(&org, &user, &code))
            .unwrap()
            .success
    );
}

#[test]
fn forced_enrollment_replaces_recovery_codes() {
    let world = World::new();
    let (org, user, _, old_codes) = world.active();
    let created = block_on(world.at(T0 + 10).enroll(&org, &user, true)).unwrap();
    let totp = OtpauthUri::parse(&created.otpauth_uri.unwrap())
        .unwrap()
        .totp()
        .unwrap();
    let now = T0 + 40;
    assert!(
        block_on(
            world
                .at(now)
                .validate_enrollment(&org, &user, totp.generate(now).as_str())
        )
        .unwrap()
        .success
    );
    assert!(
        !block_on(world.at(now).validate_challenge(&org, &user, &old_codes[0]))
            .unwrap()
            .success
    );
    let new_code = created
        .recovery_codes
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        block_on(world.at(now).validate_challenge(&org, &user, &new_code))
            .unwrap()
            .success
    );
}

#[test]
fn at_most_five_reenrollments_without_force() {
    let world = World::new();
    let (org, user, _, _) = world.enrolled();
    for _ in 0..5 {
        block_on(world.at(T0).enroll(&org, &user, false)).unwrap();
    }
    assert!(matches!(
        block_on(world.at(T0).enroll(&org, &user, false)),
        Err(Error::Forbidden(_))
    ));
    block_on(world.at(T0).enroll(&org, &user, true)).unwrap();
    block_on(world.at(T0).enroll(&org, &user, false)).unwrap();
}

#[test]
fn sms_enrollment_and_challenges_answer_the_code_to_send() {
    let world = World::new();
    let (org, user) = world.org_with_user();
    let update = ConnectionUpdate {
        method: Some("sms".into()),
        ..Default::default()
    };
    block_on(world.at(T0).update_connection(&org, update)).unwrap();
    let created = block_on(world.at(T0).enroll(&org, &user, false)).unwrap();
    assert!(created.otpauth_uri.is_none() && created.secret.is_none());
    let code = created.code.unwrap();
    assert!(created.expires_at.unwrap() >= T0 + 30);
    assert!(
        block_on(world.at(T0 + 5).validate_enrollment(&org, &user, &code))
            .unwrap()
            .success
    );
    let challenge = block_on(world.at(T0 + 60).create_challenge(&org, &user)).unwrap();
    let sms = challenge.code.unwrap();
    assert!(
        block_on(world.at(T0 + 70).validate_challenge(&org, &user, &sms))
            .unwrap()
            .success
    );
}

#[test]
fn tokens_reach_one_account_and_environment_and_stop_when_revoked() {
    let world = World::new();
    let service = world.at(T0);
    let key = block_on(service.create_api_key("communitiz-app", "production")).unwrap();
    let token = block_on(service.issue_token("communitiz-app", &key.client_id, &key.client_secret))
        .unwrap();
    let tenant = block_on(service.authenticate(&token.access_token)).unwrap();
    assert_eq!(
        tenant,
        Tenant {
            environment: Environment::Production,
            ..world.tenant.clone()
        }
    );
    assert!(block_on(service.issue_token("communitiz-app", &key.client_id, "wrong")).is_err());
    block_on(service.create_account("other-co")).unwrap();
    assert!(block_on(service.issue_token("other-co", &key.client_id, &key.client_secret)).is_err());
    block_on(service.revoke_api_key("communitiz-app", &key.client_id)).unwrap();
    assert!(block_on(service.authenticate(&token.access_token)).is_err());
}

#[test]
fn the_audit_trail_records_without_secrets() {
    let world = World::new();
    let (org, user, totp, codes) = world.active();
    block_on(world.at(T0 + 60).validate_challenge(&org, &user, "000000")).unwrap();
    block_on(world.at(T0 + 61).validate_challenge(&org, &user, &codes[0])).unwrap();
    let events = block_on(world.at(T0).audit_events(
        &org,
        PageRequest {
            page: 1,
            per_page: 100,
        },
    ))
    .unwrap();
    let names: Vec<_> = events.data.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "recovery_code.used",
            "validation.failed",
            "enrollment.validated",
            "enrollment.created",
            "connection.updated"
        ]
    );
    let all = format!("{:?}", events.data);
    assert!(!all.contains(&codes[0]) && !all.contains(totp.generate(T0).as_str()));
}

#[test]
fn a_rotated_sealing_key_still_opens_old_secrets_and_reseal_moves_them() {
    use base64::Engine;
    let key = |byte: u8| base64::engine::general_purpose::STANDARD.encode([byte; 32]);
    let old_keys = Keys::from_config(&format!("k1:{}", key(1)), &key(3), &key(4)).unwrap();
    let mut world = World::new();
    world.keys = old_keys;
    let (org, user, totp, _) = world.active();
    // Rotate: k2 first, k1 kept to open what it sealed.
    world.keys = keys();
    let now = T0 + 60;
    assert!(
        block_on(
            world
                .at(now)
                .validate_challenge(&org, &user, totp.generate(now).as_str())
        )
        .unwrap()
        .success
    );
    let report = block_on(world.at(now).reseal(100)).unwrap();
    assert_eq!(
        (report.key_id.as_str(), report.resealed, report.remaining),
        ("k2", 1, false)
    );
    // Now k1 can be dropped.
    world.keys = Keys::from_config(&format!("k2:{}", key(2)), &key(3), &key(4)).unwrap();
    let later = T0 + 120;
    assert!(
        block_on(
            world
                .at(later)
                .validate_challenge(&org, &user, totp.generate(later).as_str())
        )
        .unwrap()
        .success
    );
    assert_eq!(block_on(world.at(later).reseal(100)).unwrap().resealed, 0);
}
