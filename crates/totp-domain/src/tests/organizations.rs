//! The control plane's organization directory: unique domains, listing, input checks and
//! idempotent creation.

use super::tenants::ControlPlane;
use super::{T0, run};
use crate::control::organization;
use crate::error::{Error, Record};
use crate::model::{Environment, PageRequest, Tenant};

#[test]
fn organizations_get_unique_domains_per_account_and_environment() {
    run(async {
        let plane = ControlPlane::new().await;
        let control = plane.at(T0);
        let first = control
            .create_organization(&plane.tenant, "Communitiz App", &[])
            .await
            .unwrap();
        let second = control
            .create_organization(&plane.tenant, "Communitiz  App!", &[])
            .await
            .unwrap();
        assert_eq!(
            (first.domain.as_str(), second.domain.as_str()),
            ("communitiz-app", "communitiz-app-2")
        );
        let production = Tenant {
            environment: Environment::Production,
            ..plane.tenant.clone()
        };
        assert_eq!(
            organization(&plane.db, &production, "communitiz-app").await,
            Err(Error::NotFound(Record::Organization))
        );
        let third = control
            .create_organization(&production, "Communitiz App", &[])
            .await
            .unwrap();
        assert_eq!(
            third.domain, "communitiz-app",
            "environments do not collide"
        );
        assert_eq!(
            organization(&plane.db, &plane.tenant, "communitiz-app-2")
                .await
                .unwrap(),
            second
        );
        assert_eq!(control.organization_by_id(&third.id).await.unwrap(), third);
    })
}

#[test]
fn organizations_are_listed_by_tenant_and_walked_across_accounts() {
    run(async {
        let plane = ControlPlane::new().await;
        for (n, now) in [(1, T0), (2, T0), (3, T0 + 1)] {
            plane
                .at(now)
                .create_organization(&plane.tenant, &format!("Org {n}"), &[])
                .await
                .unwrap();
        }
        let other = Tenant {
            account_id: "someone-else".into(),
            environment: Environment::Sandbox,
        };
        let page = PageRequest::numbered(1, 2);
        let listed = plane
            .at(T0)
            .organizations(&plane.tenant, page.clone())
            .await
            .unwrap();
        assert_eq!(
            (listed.data.len(), listed.total_count, listed.next_page),
            (2, 3, Some(2))
        );
        assert_eq!(
            plane
                .at(T0)
                .organizations(&other, page)
                .await
                .unwrap()
                .total_count,
            0
        );
        let control = plane.at(T0);
        let first_two = control.all_organizations(None, 2).await.unwrap();
        let rest = control
            .all_organizations(first_two.last(), 2)
            .await
            .unwrap();
        assert_eq!(first_two.len() + rest.len(), 3);
        assert!(rest.iter().all(|org| !first_two.contains(org)));
        assert!(
            control
                .all_organizations(rest.last(), 2)
                .await
                .unwrap()
                .is_empty()
        );
    })
}

#[test]
fn bad_organization_input_names_its_field() {
    run(async {
        let plane = ControlPlane::new().await;
        let control = plane.at(T0);
        let field = async |name: &str, domains: &[String]| match control
            .create_organization(&plane.tenant, name, domains)
            .await
        {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(" ", &[]).await, "name");
        assert_eq!(field("Acme", &["-bad.app".into()]).await, "email_domains");
        assert_eq!(
            field("Acme", &vec!["a.app".to_owned(); 51]).await,
            "email_domains"
        );
        let fifty = vec!["a.app".to_owned(); 50];
        assert!(
            control
                .create_organization(&plane.tenant, "Acme", &fifty)
                .await
                .is_ok()
        );
    })
}

#[test]
fn an_organization_is_created_once_per_key_account_and_environment() {
    use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
    run(async {
        let plane = ControlPlane::new().await;
        let fields = serde_json::json!({ "name": "Acme" });
        let request = IdempotentRequest::new(
            "org-1",
            "POST /api/v2/organizations".into(),
            fingerprint(&fields),
            "client-1".into(),
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
        let first = plane
            .at(T0)
            .idempotent(&sandbox, &request, create(sandbox.clone()))
            .await
            .unwrap();
        let again = plane
            .at(T0 + 1)
            .idempotent(&sandbox, &request, create(sandbox.clone()))
            .await
            .unwrap();
        assert_eq!((first.replayed, again.replayed), (false, true));
        assert_eq!(again.answer.body["domain"], "acme");
        // The same key in production is another request.
        let production = Tenant {
            environment: Environment::Production,
            ..plane.tenant.clone()
        };
        let there = plane
            .at(T0 + 2)
            .idempotent(&production, &request, create(production.clone()))
            .await
            .unwrap();
        assert!(!there.replayed);
        // Another API key of the same account and environment never sees the answer.
        let by_another_key = IdempotentRequest {
            client_id: "client-2".into(),
            ..request.clone()
        };
        let theirs = plane
            .at(T0 + 2)
            .idempotent(&sandbox, &by_another_key, create(sandbox.clone()))
            .await
            .unwrap();
        assert!(!theirs.replayed);
        assert_ne!(theirs.answer.body["domain"], "acme");
        // Another body under the key is refused.
        let other = IdempotentRequest::new(
            "org-1",
            "POST /api/v2/organizations".into(),
            fingerprint(&serde_json::json!({ "name": "Other" })),
            "client-1".into(),
        )
        .unwrap();
        match plane
            .at(T0 + 3)
            .idempotent(&sandbox, &other, create(sandbox.clone()))
            .await
        {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "Idempotency-Key"),
            other => panic!("{other:?}"),
        }
        // A day later the key is forgotten: the request runs again (a new organization).
        let later = T0 + crate::idempotency::RETENTION + 1;
        let again = plane
            .at(later)
            .idempotent(&sandbox, &request, create(sandbox.clone()))
            .await
            .unwrap();
        assert!(!again.replayed);
        assert_eq!(again.answer.body["domain"], "acme-3");
    })
}

#[test]
fn a_key_whose_request_runs_answers_409_until_it_ends_and_a_failure_releases_it() {
    use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
    run(async {
        let plane = ControlPlane::new().await;
        let tenant = plane.tenant.clone();
        let request = IdempotentRequest::new(
            "org-2",
            "POST /api/v2/organizations".into(),
            fingerprint(&serde_json::json!({ "name": "Busy" })),
            "client-1".into(),
        )
        .unwrap();
        let created = || async {
            Ok(Answer {
                status: 201,
                body: serde_json::json!({ "domain": "busy" }),
            })
        };
        // The first request is still running inside its own run: a retry then gets 409.
        let outcome = plane
            .at(T0)
            .idempotent(&tenant, &request, || async {
                let retry = plane.at(T0).idempotent(&tenant, &request, created).await;
                assert!(
                    matches!(retry, Err(Error::IdempotencyKeyInUse)),
                    "{retry:?}"
                );
                Err::<Answer, _>(Error::internal("the first one failed"))
            })
            .await;
        assert!(matches!(outcome, Err(Error::Internal(_))));
        // Its failure released the key: the next request runs.
        let next = plane
            .at(T0 + 1)
            .idempotent(&tenant, &request, created)
            .await
            .unwrap();
        assert!(!next.replayed);
        // A claim abandoned for over a minute is released too.
        let stuck =
            IdempotentRequest::new("org-3", "POST /x".into(), "f".into(), "c".into()).unwrap();
        plane.db.execute_batch(&format!(
            "INSERT INTO idempotency_keys \
             (account_id, environment, client_id, key, route, fingerprint, created_at) \
             VALUES ('{}', 'sandbox', 'c', 'org-3', 'POST /x', 'f', {T0})",
            tenant.account_id
        ));
        assert!(matches!(
            plane.at(T0 + 59).idempotent(&tenant, &stuck, created).await,
            Err(Error::IdempotencyKeyInUse)
        ));
        assert!(
            !plane
                .at(T0 + 60)
                .idempotent(&tenant, &stuck, created)
                .await
                .unwrap()
                .replayed
        );
    })
}

#[test]
fn an_organization_is_renamed_in_place_and_its_domain_stays() {
    run(async {
        let plane = ControlPlane::new().await;
        let control = plane.at(T0);
        let created = control
            .create_organization(&plane.tenant, "Acme", &["acme.test".into()])
            .await
            .unwrap();
        let renamed = plane
            .at(T0 + 1)
            .update_organization(&plane.tenant, "acme", Some("Acme Corp"), None)
            .await
            .unwrap();
        assert_eq!(
            (renamed.id.as_str(), renamed.domain.as_str()),
            (created.id.as_str(), "acme")
        );
        assert_eq!(renamed.email_domains, ["acme.test"], "absent keeps");
        let cleared = plane
            .at(T0 + 2)
            .update_organization(&plane.tenant, "acme", None, Some(&[]))
            .await
            .unwrap();
        assert_eq!(
            organization(&plane.db, &plane.tenant, "acme")
                .await
                .unwrap(),
            cleared
        );
        assert_eq!(cleared.name, "Acme Corp");
        for (name, domains) in [
            (Some(" "), None),
            (None, Some(vec!["not a domain".to_owned()])),
        ] {
            let refused = plane
                .at(T0 + 3)
                .update_organization(&plane.tenant, "acme", name, domains.as_deref())
                .await;
            assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
        }
        assert_eq!(
            organization(&plane.db, &plane.tenant, "acme")
                .await
                .unwrap(),
            cleared
        );
        assert_eq!(
            plane
                .at(T0)
                .update_organization(&plane.tenant, "nope", Some("X"), None)
                .await,
            Err(Error::NotFound(Record::Organization))
        );
    })
}

#[test]
fn a_deleted_organization_is_forgotten_with_its_kept_answer_and_audited() {
    use crate::idempotency::{Answer, IdempotentRequest, fingerprint};
    run(async {
        let plane = ControlPlane::new().await;
        let tenant = plane.tenant.clone();
        let request = IdempotentRequest::new(
            "create-acme",
            "POST /api/v2/organizations".into(),
            fingerprint(&serde_json::json!({ "name": "Acme" })),
            "client-1".into(),
        )
        .unwrap();
        let create = || async {
            let org = plane
                .at(T0)
                .create_organization(&tenant, "Acme", &[])
                .await?;
            Ok(Answer {
                status: 201,
                body: serde_json::json!({ "id": org.id, "domain": org.domain }),
            })
        };
        let first = plane
            .at(T0)
            .idempotent(&tenant, &request, create)
            .await
            .unwrap();
        let acme = organization(&plane.db, &tenant, "acme").await.unwrap();
        plane.at(T0 + 5).forget_organization(&acme).await.unwrap();
        assert_eq!(
            organization(&plane.db, &tenant, "acme").await,
            Err(Error::NotFound(Record::Organization))
        );
        // The kept answer named the deleted organization: the same request now runs again,
        // and a new organization of the same name gets the domain with a new id.
        let again = plane
            .at(T0 + 6)
            .idempotent(&tenant, &request, create)
            .await
            .unwrap();
        assert!(!again.replayed);
        assert_ne!(again.answer.body["id"], first.answer.body["id"]);
        assert_eq!(again.answer.body["domain"], "acme");
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Event {
            at: u64,
            event: String,
            organization_id: String,
        }
        let events: Vec<Event> = crate::sql::Sql::rows(
            &plane.db,
            &crate::stmt!("SELECT at, event, organization_id FROM control_audit_events"),
        )
        .unwrap();
        assert_eq!(
            events,
            [Event {
                at: T0 + 5,
                event: "organization.deleted".into(),
                organization_id: acme.id,
            }]
        );
    })
}
