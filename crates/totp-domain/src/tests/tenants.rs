//! The control plane on D1's schema: accounts, keys, tokens and the organization directory.

use pollster::block_on;

use super::sqlite::Sqlite;
use super::{T0, keys};
use crate::control::{Control, KeyState, admit, key_state, organization};
use crate::error::{Error, Record};
use crate::keys::Keys;
use crate::model::{Environment, PageRequest, Tenant};

/// D1's migrations, applied in order as `wrangler d1 migrations apply` does.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../../worker/migrations/0001_accounts.sql"),
    include_str!("../../../../worker/migrations/0002_service.sql"),
    include_str!("../../../../worker/migrations/0003_sealing_key_id.sql"),
    include_str!("../../../../worker/migrations/0004_organization_data_in_objects.sql"),
    include_str!("../../../../worker/migrations/0005_idempotency_keys.sql"),
];

struct ControlPlane {
    db: Sqlite,
    keys: Keys,
    tenant: Tenant,
}

impl ControlPlane {
    fn new() -> Self {
        let db = Sqlite::open();
        for migration in MIGRATIONS {
            db.execute_batch(migration);
        }
        let keys = keys();
        let account =
            block_on(Control::new(&db, &keys, T0).create_account("communitiz-app")).unwrap();
        Self {
            db,
            keys,
            tenant: Tenant {
                account_id: account.id,
                environment: Environment::Sandbox,
            },
        }
    }

    fn at(&self, now: u64) -> Control<'_, Sqlite> {
        Control::new(&self.db, &self.keys, now)
    }

    /// What the Worker does for a bearer token, without its cache.
    fn authenticate(&self, token: &str) -> Result<Tenant, Error> {
        let control = self.at(T0);
        let claims = control.verify_token(token)?;
        let state = block_on(key_state(&self.db, &claims.client_id))?;
        admit(&claims, state.as_ref())
    }
}

#[test]
fn the_moved_tables_are_gone_from_d1() {
    let plane = ControlPlane::new();
    let tables: Vec<Name> =
        crate::sql::Sql::rows(&plane.db, &crate::stmt!("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).unwrap();
    #[derive(serde::Deserialize)]
    struct Name {
        name: String,
    }
    let names: Vec<&str> = tables.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(
        names,
        ["accounts", "api_keys", "idempotency_keys", "organizations"]
    );
}

#[test]
fn the_health_check_reaches_the_database() {
    let plane = ControlPlane::new();
    block_on(plane.at(T0).ping()).unwrap();
    let empty = Sqlite::open();
    assert!(matches!(
        block_on(Control::new(&empty, &plane.keys, T0).ping()),
        Err(Error::Internal(_))
    ));
}

#[test]
fn organizations_get_unique_domains_per_account_and_environment() {
    let plane = ControlPlane::new();
    let control = plane.at(T0);
    let first =
        block_on(control.create_organization(&plane.tenant, "Communitiz App", &[])).unwrap();
    let second =
        block_on(control.create_organization(&plane.tenant, "Communitiz  App!", &[])).unwrap();
    assert_eq!(
        (first.domain.as_str(), second.domain.as_str()),
        ("communitiz-app", "communitiz-app-2")
    );
    let production = Tenant {
        environment: Environment::Production,
        ..plane.tenant.clone()
    };
    assert_eq!(
        block_on(organization(&plane.db, &production, "communitiz-app")),
        Err(Error::NotFound(Record::Organization))
    );
    let third = block_on(control.create_organization(&production, "Communitiz App", &[])).unwrap();
    assert_eq!(
        third.domain, "communitiz-app",
        "environments do not collide"
    );
    assert_eq!(
        block_on(organization(&plane.db, &plane.tenant, "communitiz-app-2")).unwrap(),
        second
    );
    assert_eq!(
        block_on(control.organization_by_id(&third.id)).unwrap(),
        third
    );
}

#[test]
fn organizations_are_listed_by_tenant_and_walked_across_accounts() {
    let plane = ControlPlane::new();
    for (n, now) in [(1, T0), (2, T0), (3, T0 + 1)] {
        block_on(
            plane
                .at(now)
                .create_organization(&plane.tenant, &format!("Org {n}"), &[]),
        )
        .unwrap();
    }
    let other = Tenant {
        account_id: "someone-else".into(),
        environment: Environment::Sandbox,
    };
    let page = PageRequest {
        page: 1,
        per_page: 2,
    };
    let listed = block_on(plane.at(T0).organizations(&plane.tenant, page)).unwrap();
    assert_eq!(
        (listed.data.len(), listed.total_count, listed.next_page),
        (2, 3, Some(2))
    );
    assert_eq!(
        block_on(plane.at(T0).organizations(&other, page))
            .unwrap()
            .total_count,
        0
    );
    let control = plane.at(T0);
    let first_two = block_on(control.all_organizations(None, 2)).unwrap();
    let rest = block_on(control.all_organizations(first_two.last(), 2)).unwrap();
    assert_eq!(first_two.len() + rest.len(), 3);
    assert!(rest.iter().all(|org| !first_two.contains(org)));
    assert!(
        block_on(control.all_organizations(rest.last(), 2))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_organization_input_names_its_field() {
    let plane = ControlPlane::new();
    let control = plane.at(T0);
    let field = |name: &str, domains: &[String]| match block_on(control.create_organization(
        &plane.tenant,
        name,
        domains,
    )) {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(" ", &[]), "name");
    assert_eq!(field("Acme", &["-bad.app".into()]), "email_domains");
    assert_eq!(
        field("Acme", &vec!["a.app".to_owned(); 51]),
        "email_domains"
    );
    let fifty = vec!["a.app".to_owned(); 50];
    assert!(block_on(control.create_organization(&plane.tenant, "Acme", &fifty)).is_ok());
}

#[test]
fn tokens_reach_one_account_and_environment_and_stop_when_revoked() {
    let plane = ControlPlane::new();
    let control = plane.at(T0);
    let key = block_on(control.create_api_key("communitiz-app", "production")).unwrap();
    let token = block_on(control.issue_token("communitiz-app", &key.client_id, &key.client_secret))
        .unwrap();
    assert_eq!(
        plane.authenticate(&token.access_token).unwrap(),
        Tenant {
            environment: Environment::Production,
            ..plane.tenant.clone()
        }
    );
    assert!(block_on(control.issue_token("communitiz-app", &key.client_id, "wrong")).is_err());
    block_on(control.create_account("other-co")).unwrap();
    assert!(block_on(control.issue_token("other-co", &key.client_id, &key.client_secret)).is_err());
    block_on(control.revoke_api_key("communitiz-app", &key.client_id)).unwrap();
    assert!(plane.authenticate(&token.access_token).is_err());
    assert_eq!(
        block_on(control.issue_token("communitiz-app", &key.client_id, &key.client_secret))
            .unwrap_err(),
        Error::InvalidClientCredentials
    );
    assert_eq!(
        block_on(control.revoke_api_key("communitiz-app", &key.client_id)),
        Err(Error::NotFound(Record::ApiKey))
    );
}

#[test]
fn a_key_of_another_account_admits_nothing() {
    let plane = ControlPlane::new();
    let control = plane.at(T0);
    let key = block_on(control.create_api_key("communitiz-app", "sandbox")).unwrap();
    let token = block_on(control.issue_token("communitiz-app", &key.client_id, &key.client_secret))
        .unwrap();
    let claims = control.verify_token(&token.access_token).unwrap();
    let foreign = KeyState {
        account_id: "another".into(),
        revoked: false,
    };
    assert!(admit(&claims, Some(&foreign)).is_err());
    assert!(admit(&claims, None).is_err());
    let revoked = KeyState {
        account_id: plane.tenant.account_id.clone(),
        revoked: true,
    };
    assert!(admit(&claims, Some(&revoked)).is_err());
}

#[test]
fn accounts_are_unique_and_their_keys_listed_without_secrets() {
    let plane = ControlPlane::new();
    let control = plane.at(T0);
    assert!(matches!(
        block_on(control.create_account("communitiz-app")),
        Err(Error::AccountExists)
    ));
    assert!(matches!(
        block_on(control.create_account("Not A Slug")),
        Err(Error::Invalid {
            field: "domain",
            ..
        })
    ));
    let key = block_on(control.create_api_key("communitiz-app", "sandbox")).unwrap();
    let listed = block_on(control.api_keys("communitiz-app")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].client_id, key.client_id);
    assert_ne!(listed[0].secret_hash, key.client_secret.as_bytes());
    assert!(matches!(
        block_on(control.create_api_key("communitiz-app", "staging")),
        Err(Error::Invalid {
            field: "environment",
            ..
        })
    ));
    assert_eq!(
        block_on(control.api_keys("nobody")),
        Err(Error::NotFound(Record::Account))
    );
}

#[test]
fn an_organization_is_created_once_per_key_account_and_environment() {
    use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
    let plane = ControlPlane::new();
    let fields = serde_json::json!({ "name": "Acme" });
    let request = IdempotentRequest::new(
        "org-1",
        "POST /api/v2/organizations".into(),
        fingerprint(&fields),
    )
    .unwrap();
    let create = |tenant: Tenant| {
        let plane = &plane;
        move || async move {
            let org = plane
                .at(T0)
                .create_organization(&tenant, "Acme", &[])
                .await?;
            Ok(Answer {
                status: 201,
                body: serde_json::json!({ "domain": org.domain }),
            })
        }
    };
    let sandbox = plane.tenant.clone();
    let first = block_on(
        plane
            .at(T0)
            .idempotent(&sandbox, &request, create(sandbox.clone())),
    )
    .unwrap();
    let again = block_on(
        plane
            .at(T0 + 1)
            .idempotent(&sandbox, &request, create(sandbox.clone())),
    )
    .unwrap();
    assert_eq!((first.replayed, again.replayed), (false, true));
    assert_eq!(again.answer.body["domain"], "acme");
    // The same key in production is another request.
    let production = Tenant {
        environment: Environment::Production,
        ..plane.tenant.clone()
    };
    let there = block_on(plane.at(T0 + 2).idempotent(
        &production,
        &request,
        create(production.clone()),
    ))
    .unwrap();
    assert!(!there.replayed);
    // Another body under the key is refused.
    let other = IdempotentRequest::new(
        "org-1",
        "POST /api/v2/organizations".into(),
        fingerprint(&serde_json::json!({ "name": "Other" })),
    )
    .unwrap();
    match block_on(
        plane
            .at(T0 + 3)
            .idempotent(&sandbox, &other, create(sandbox.clone())),
    ) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "Idempotency-Key"),
        other => panic!("{other:?}"),
    }
    // A day later the key is forgotten: the request runs again (a new organization).
    let later = T0 + crate::idempotency::RETENTION + 1;
    let again = block_on(
        plane
            .at(later)
            .idempotent(&sandbox, &request, create(sandbox.clone())),
    )
    .unwrap();
    assert!(!again.replayed);
    assert_eq!(again.answer.body["domain"], "acme-2");
}

#[test]
fn a_key_whose_request_runs_answers_409_until_it_ends_and_a_failure_releases_it() {
    use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
    let plane = ControlPlane::new();
    let tenant = plane.tenant.clone();
    let request = IdempotentRequest::new(
        "org-2",
        "POST /api/v2/organizations".into(),
        fingerprint(&serde_json::json!({ "name": "Busy" })),
    )
    .unwrap();
    let created = || async {
        Ok(Answer {
            status: 201,
            body: serde_json::json!({ "domain": "busy" }),
        })
    };
    // The first request is still running inside its own run: a retry then gets 409.
    let outcome = block_on(plane.at(T0).idempotent(&tenant, &request, || async {
        let retry = plane.at(T0).idempotent(&tenant, &request, created).await;
        assert!(
            matches!(retry, Err(Error::IdempotencyKeyInUse)),
            "{retry:?}"
        );
        Err::<Answer, _>(Error::internal("the first one failed"))
    }));
    assert!(matches!(outcome, Err(Error::Internal(_))));
    // Its failure released the key: the next request runs.
    let next = block_on(plane.at(T0 + 1).idempotent(&tenant, &request, created)).unwrap();
    assert!(!next.replayed);
    // A claim abandoned for over a minute is released too.
    let stuck = IdempotentRequest::new("org-3", "POST /x".into(), "f".into()).unwrap();
    plane.db.execute_batch(&format!(
        "INSERT INTO idempotency_keys (account_id, environment, key, route, fingerprint, created_at) \
         VALUES ('{}', 'sandbox', 'org-3', 'POST /x', 'f', {T0})",
        tenant.account_id
    ));
    assert!(matches!(
        block_on(plane.at(T0 + 59).idempotent(&tenant, &stuck, created)),
        Err(Error::IdempotencyKeyInUse)
    ));
    assert!(
        !block_on(plane.at(T0 + 60).idempotent(&tenant, &stuck, created))
            .unwrap()
            .replayed
    );
}
