//! What the organization's storage guarantees, on the engine the object runs: one transaction
//! per change (a failed audit write leaves nothing half-written), versioned schema migrations,
//! re-sealing after a key rotation, and an export that opens nothing.

use super::{Org, T0, keys_with, recovery_codes, totp_of};
use crate::error::Error;
use crate::factor::FactorStatus;
use crate::model::PageRequest;
use crate::org::schema;
use crate::sql::{Remembering, Sql};
use crate::stmt;

const AUDIT_DOWN: &str = "CREATE TRIGGER audit_down BEFORE INSERT ON audit_events \
                          BEGIN SELECT RAISE(ABORT, 'audit is down'); END";

fn internal<T: std::fmt::Debug>(result: Result<T, Error>) {
    assert!(matches!(result, Err(Error::Internal(_))), "{result:?}");
}

#[test]
fn a_validation_whose_audit_write_fails_changes_nothing() {
    let org = Org::new();
    let (user, totp, _) = org.active();
    let before = org.factor(&user);
    org.db.engine().execute_batch(AUDIT_DOWN);
    let now = T0 + 60;
    internal(
        org.at(now)
            .validate_challenge(&user, totp.generate(now).as_str()),
    );
    internal(org.at(now).validate_challenge(&user, "000000"));
    assert_eq!(
        org.factor(&user),
        before,
        "neither the step nor a failure was recorded"
    );
    org.db.engine().execute_batch("DROP TRIGGER audit_down");
    assert!(
        org.at(now)
            .validate_challenge(&user, totp.generate(now).as_str())
            .unwrap()
            .success
    );
}

#[test]
fn an_enrollment_whose_audit_write_fails_leaves_no_factor_or_codes() {
    let org = Org::new();
    let user = org.with_user();
    org.db.engine().execute_batch(AUDIT_DOWN);
    internal(org.at(T0).enroll(&user, false));
    assert_eq!(crate::org::store::factor(&org.db, &user).unwrap(), None);
    assert_eq!(
        crate::org::store::recovery_codes_left(&org.db, &user).unwrap(),
        0
    );
}

#[test]
fn a_recovery_whose_audit_write_fails_keeps_the_code() {
    let org = Org::new();
    let (user, _, codes) = org.active();
    org.db.engine().execute_batch(AUDIT_DOWN);
    internal(org.at(T0 + 60).validate_challenge(&user, &codes[0]));
    org.db.engine().execute_batch("DROP TRIGGER audit_down");
    assert_eq!(org.guard(&user).recovery_used_at, None);
    assert!(
        org.at(T0 + 60)
            .validate_challenge(&user, &codes[0])
            .unwrap()
            .success
    );
}

#[test]
fn a_connection_update_whose_audit_write_fails_is_not_applied() {
    let org = Org::new();
    org.db.engine().execute_batch(AUDIT_DOWN);
    internal(org.at(T0).update_connection(crate::org::ConnectionUpdate {
        active: Some(true),
        ..Default::default()
    }));
    assert!(!org.at(T0).connection().unwrap().active);
}

#[test]
fn a_commit_is_all_or_nothing() {
    let org = Org::new();
    let user = org.with_user();
    let result = org.db.commit(vec![
        stmt!(
            "INSERT INTO challenges (id, user_id, created_at, expires_at) VALUES ('c1', ?1, 1, 2)",
            user.as_str()
        ),
        stmt!(
            "INSERT INTO challenges (id, user_id, created_at, expires_at) VALUES ('c1', ?1, 1, 2)",
            user.as_str()
        ),
    ]);
    assert!(result.is_err());
    #[derive(serde::Deserialize)]
    struct Count {
        count: u64,
    }
    let count: Option<Count> = org
        .db
        .row(&stmt!("SELECT count(*) AS count FROM challenges"))
        .unwrap();
    assert_eq!(count.unwrap().count, 0);
}

#[test]
fn an_object_created_at_the_previous_version_opens_and_keeps_its_data() {
    let org = Org::new();
    // Start over on a database at version 1, with a user and a factor written then.
    let db = super::sqlite::Sqlite::open();
    assert_eq!(schema::migrate_to(&db, 1).unwrap(), 1);
    let sealed = org
        .keys
        .seal(&otp_core::Secret::generate().unwrap(), "u1")
        .unwrap();
    db.commit(vec![
        stmt!("INSERT INTO users (id, email, email_key, created_at) VALUES ('u1', 'a@b.co', 'a@b.co', 1)"),
        stmt!(
            "INSERT INTO factors (user_id, generation, status, method, sealed_secret, algorithm, digits, period, \
             last_step, failures, locked_until, enrollments, recovery_used_at, reenrollment_required) \
             VALUES ('u1', 1, 'active', 'totp_app', ?1, 'SHA1', 6, 30, 5, 2, 0, 1, NULL, 0)",
            crate::sql::blob(&sealed)
        ),
    ])
    .unwrap();
    let upgraded = Org {
        db: Remembering::new(db),
        ..org
    };
    upgraded.at(T0).open().unwrap();
    assert_eq!(schema::version(&upgraded.db).unwrap(), schema::VERSION);
    let factor = upgraded.factor("u1");
    // Version 6 moves what attempts earned to the user's guard, the step as the second it began.
    let guard = upgraded.guard("u1");
    assert_eq!((guard.failures, guard.last_accepted_at), (2, Some(150)));
    assert_eq!(guard.enrollments, 1);
    // Version 4 seals the profile written in clear: found by its email, nothing left in clear.
    assert_eq!(
        upgraded.at(T0).user("A@B.co").unwrap().profile.email,
        "a@b.co"
    );
    let users = super::export(&upgraded).tables["users"].to_string();
    assert!(!users.contains("a@b.co"), "{users}");
    // Version 10 starts the users' counter at their number.
    let listed = upgraded.at(T0).users(PageRequest::numbered(1, 1)).unwrap();
    assert_eq!((listed.total_count, listed.next_cursor), (1, None));
    assert_eq!(factor.status, FactorStatus::Active);
    // Version 2 records the sealing key: the old rows are found by the next re-seal pass.
    let report = upgraded.at(T0).reseal(10).unwrap();
    assert_eq!((report.resealed, report.remaining), (1, false));
    upgraded.at(T0).open().unwrap();
    assert_eq!(
        schema::version(&upgraded.db).unwrap(),
        schema::VERSION,
        "idempotent"
    );
}

#[test]
fn version_8_names_each_users_factor_and_moves_the_reenrollment_to_the_guard() {
    let org = Org::new();
    let db = super::sqlite::Sqlite::open();
    assert_eq!(schema::migrate_to(&db, 7).unwrap(), 7);
    let sealed = org
        .keys
        .seal(&otp_core::Secret::generate().unwrap(), "u1")
        .unwrap();
    db.commit(vec![
        stmt!("INSERT INTO users (id, email, email_key, created_at) VALUES ('u1', '', 'k', 1)"),
        stmt!(
            "INSERT INTO connection (id, active, method, algorithm, digits, period, skew, issuer, \
             max_attempts, updated_at) VALUES (1, 1, 'sms', 'SHA1', 6, 30, 1, 'X', 5, 1)"
        ),
        stmt!(
            "INSERT INTO factors (user_id, generation, status, method, sealed_secret, algorithm, \
             digits, period, reenrollment_required, key_id, enrolled_at, last_used_at) \
             VALUES ('u1', 3, 'active', 'sms', ?1, 'SHA1', 6, 30, 1, 'k2', 40, 50)",
            crate::sql::blob(&sealed)
        ),
    ])
    .unwrap();
    assert_eq!(schema::migrate(&db).unwrap(), schema::VERSION);
    let upgraded = Org {
        db: Remembering::new(db),
        ..org
    };
    let factor = upgraded.factor("u1");
    assert_eq!(
        (factor.id.as_str(), factor.friendly_name.as_str()),
        ("f-u1", "SMS")
    );
    assert_eq!((factor.created_at, factor.generation), (40, 3));
    assert_eq!(
        (factor.enrolled_at, factor.last_used_at),
        (Some(40), Some(50))
    );
    assert_eq!(factor.status, FactorStatus::Active);
    assert!(
        upgraded.guard("u1").reenrollment_required,
        "a guard made for it"
    );
    let connection = upgraded.at(T0).connection().unwrap();
    assert_eq!(
        (connection.enforcement, connection.trusted_device_days),
        (crate::model::Enforcement::Optional, 0)
    );
}

#[test]
fn a_rotated_sealing_key_still_opens_old_secrets_and_reseal_moves_them() {
    let mut org = Org::new();
    org.keys = keys_with("k1:1");
    let (user, totp, _) = org.active();
    // Rotate: k2 first, k1 kept to open what it sealed.
    org.keys = keys_with("k2:2,k1:1");
    let now = T0 + 60;
    assert!(
        org.at(now)
            .validate_challenge(&user, totp.generate(now).as_str())
            .unwrap()
            .success
    );
    let report = org.at(now).reseal(100).unwrap();
    assert_eq!(
        (report.resealed, report.remaining),
        (2, false),
        "the factor's secret and the user's profile"
    );
    // Now k1 can be dropped.
    org.keys = keys_with("k2:2");
    let later = T0 + 120;
    assert!(
        org.at(later)
            .validate_challenge(&user, totp.generate(later).as_str())
            .unwrap()
            .success
    );
    assert_eq!(org.at(later).reseal(100).unwrap().resealed, 0);
}

#[test]
fn reseal_works_in_passes_of_the_limit() {
    let mut org = Org::new();
    org.keys = keys_with("k1:1");
    org.with_user();
    for n in 0..3 {
        let user = org.user(&format!("u{n}@b.co"));
        org.at(T0).enroll(&user, false).unwrap();
    }
    org.keys = keys_with("k2:2,k1:1");
    // Three secrets and four profiles, at most two per pass.
    let passes: Vec<_> = (0..4).map(|_| org.at(T0).reseal(2).unwrap()).collect();
    let moved: Vec<_> = passes.iter().map(|pass| pass.resealed).collect();
    let remaining: Vec<_> = passes.iter().map(|pass| pass.remaining).collect();
    assert_eq!(moved, [2, 2, 2, 1]);
    assert_eq!(remaining, [true, true, true, false]);
    org.keys = keys_with("k2:2");
    assert_eq!(
        org.at(T0)
            .users(PageRequest::numbered(1, 10))
            .unwrap()
            .total_count,
        4
    );
}

#[test]
fn the_export_holds_every_table_with_secrets_sealed_and_codes_hashed() {
    let org = Org::new();
    let (user, _, created) = org.enrolled();
    let export = super::export(&org);
    assert_eq!(export.header.schema_version, schema::VERSION);
    let tables: Vec<&str> = export.tables.keys().map(String::as_str).collect();
    for table in [
        "connection",
        "users",
        "factors",
        "recovery_codes",
        "challenges",
        "audit_events",
    ] {
        assert!(tables.contains(&table), "{table}");
    }
    assert_eq!(export.tables["factors"][0]["user_id"], user.as_str());
    assert_eq!(export.tables["recovery_codes"].as_array().unwrap().len(), 5);
    let text = serde_json::to_string(&export.tables).unwrap();
    let secret = created.secret.as_deref().unwrap();
    assert!(!text.contains(secret) && !text.to_lowercase().contains(&secret.to_lowercase()));
    for code in recovery_codes(&created) {
        assert!(!text.contains(&code));
    }
    let totp = totp_of(&created);
    let sealed = crate::sql::unblob(
        export.tables["factors"][0]["sealed_secret"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        org.keys
            .open(&sealed, &user)
            .unwrap()
            .to_base32()
            .to_string(),
        secret,
        "the export restores"
    );
    drop(totp);
}
