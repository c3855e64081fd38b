//! What an organization's storage holds per user and per audit event, measured on the same
//! schema in SQLite (pages in use, after the rows are written), for the README's scaling
//! figures. Bounds, not timings: a row that grows past them fails here.

use super::{Org, T0, totp_of};
use crate::org::NewUser;
use crate::sql::{Sql, Statement};

#[derive(serde::Deserialize)]
struct Pages {
    pages: u64,
}

/// Bytes of the pages in use.
fn bytes(org: &Org) -> u64 {
    let count = |pragma: &str| {
        org.db
            .row::<Pages>(&Statement::new(format!("SELECT {pragma} AS pages"), vec![]))
            .unwrap()
            .unwrap()
            .pages
    };
    (count("(SELECT page_count FROM pragma_page_count())")
        - count("(SELECT freelist_count FROM pragma_freelist_count())"))
        * count("(SELECT page_size FROM pragma_page_size())")
}

#[test]
fn a_user_takes_about_two_kilobytes_and_an_audit_event_about_a_hundred_bytes() {
    const USERS: u64 = 500;
    let org = Org::new();
    org.with_user();
    let start = bytes(&org);
    for n in 0..USERS {
        let id = org
            .at(T0)
            .create_user(NewUser {
                email: Some(format!("user-{n}@footprint.test")),
                ..NewUser::default()
            })
            .unwrap()
            .id;
        let created = org.at(T0).enroll(&id, false).unwrap();
        let code = totp_of(&created).generate(T0);
        assert!(
            org.at(T0)
                .validate_enrollment(&id, code.as_str())
                .unwrap()
                .success
        );
    }
    let users = bytes(&org);
    // Each user above also wrote three audit events (created, enrolled, validated).
    let per_user = (users - start) / USERS;
    let before_events = bytes(&org);
    const EVENTS: u64 = 5_000;
    org.db
        .commit(
            (0..EVENTS)
                .map(|n| {
                    crate::stmt!(
                        "INSERT INTO audit_events (at, event, user_id, detail) \
                         VALUES (?1, 'validation.failed', ?2, '3 consecutive failures')",
                        T0 + n,
                        "6f1c2a4e-96d1-4b0b-9d0e-6f0c1a2b3c4d"
                    )
                })
                .collect(),
        )
        .unwrap();
    let per_event = (bytes(&org) - before_events) / EVENTS;
    // The figures the README quotes, shown with `--nocapture`.
    eprintln!(
        "storage: {per_user} bytes per enrolled user (with its 3 audit events), {per_event} bytes per audit event"
    );
    assert!(per_user <= 2_500, "{per_user} bytes per user");
    assert!(per_event <= 150, "{per_event} bytes per audit event");
}
