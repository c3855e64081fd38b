//! The control plane on D1's schema: accounts, keys and tokens; `organizations` holds the
//! directory. [`ControlPlane`] is their fixture.

use super::sqlite::Sqlite;
use super::{T0, keys, run};
use crate::control::{AccessToken, Control, KeyState, NewApiKey, admit, key_state};
use crate::error::{Error, Record};
use crate::keys::Keys;
use crate::model::{Environment, Tenant};

/// D1's migrations, applied in order as `wrangler d1 migrations apply` does.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../../worker/migrations/0001_accounts.sql"),
    include_str!("../../../../worker/migrations/0002_service.sql"),
    include_str!("../../../../worker/migrations/0003_sealing_key_id.sql"),
    include_str!("../../../../worker/migrations/0004_organization_data_in_objects.sql"),
    include_str!("../../../../worker/migrations/0005_idempotency_keys.sql"),
    include_str!("../../../../worker/migrations/0006_idempotency_per_api_key.sql"),
    include_str!("../../../../worker/migrations/0007_organization_lifecycle.sql"),
];

/// D1 migrated, with one account (`communitiz-app`) and its sandbox tenant.
pub struct ControlPlane {
    pub db: Sqlite,
    pub keys: Keys,
    pub tenant: Tenant,
}

impl ControlPlane {
    pub async fn new() -> Self {
        let db = Sqlite::open();
        for migration in MIGRATIONS {
            db.execute_batch(migration);
        }
        let keys = keys();
        let account = Control::new(&db, &keys, T0)
            .create_account("communitiz-app")
            .await
            .unwrap();
        Self {
            db,
            keys,
            tenant: Tenant {
                account_id: account.id,
                environment: Environment::Sandbox,
            },
        }
    }

    /// The control plane's operations at `now`.
    pub fn at(&self, now: u64) -> Control<'_, Sqlite> {
        Control::new(&self.db, &self.keys, now)
    }

    /// A new API key of the account in `environment`, and a token issued with it.
    async fn key_and_token(&self, environment: &str) -> (NewApiKey, AccessToken) {
        let control = self.at(T0);
        let key = control
            .create_api_key("communitiz-app", environment)
            .await
            .unwrap();
        let token = control
            .issue_token(Some("communitiz-app"), &key.client_id, &key.client_secret)
            .await
            .unwrap();
        (key, token)
    }

    /// What the Worker does for a bearer token, without its cache.
    async fn authenticate(&self, token: &str) -> Result<Tenant, Error> {
        let control = self.at(T0);
        let claims = control.verify_token(token)?;
        let state = key_state(&self.db, &claims.client_id).await?;
        admit(&claims, state.as_ref())
    }
}

#[test]
fn the_moved_tables_are_gone_from_d1() {
    run(async {
        let plane = ControlPlane::new().await;
        let tables: Vec<Name> =
            crate::sql::Sql::rows(&plane.db, &crate::stmt!("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).unwrap();
        #[derive(serde::Deserialize)]
        struct Name {
            name: String,
        }
        let names: Vec<&str> = tables.iter().map(|row| row.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "accounts",
                "api_keys",
                "control_audit_events",
                "idempotency_keys",
                "organizations"
            ]
        );
    })
}

#[test]
fn the_health_check_reaches_the_database() {
    run(async {
        let plane = ControlPlane::new().await;
        plane.at(T0).ping().await.unwrap();
        let empty = Sqlite::open();
        assert!(matches!(
            Control::new(&empty, &plane.keys, T0).ping().await,
            Err(Error::Internal(_))
        ));
    })
}

#[test]
fn tokens_reach_one_account_and_environment_and_stop_when_revoked() {
    run(async {
        let plane = ControlPlane::new().await;
        let control = plane.at(T0);
        let (key, token) = plane.key_and_token("production").await;
        assert_eq!(
            plane.authenticate(&token.access_token).await.unwrap(),
            Tenant {
                environment: Environment::Production,
                ..plane.tenant.clone()
            }
        );
        assert!(
            control
                .issue_token(Some("communitiz-app"), &key.client_id, "wrong")
                .await
                .is_err()
        );
        control.create_account("other-co").await.unwrap();
        assert!(
            control
                .issue_token(Some("other-co"), &key.client_id, &key.client_secret)
                .await
                .is_err()
        );
        // Without a domain, the key's own account: the same tenant, never another.
        let undomained = control
            .issue_token(None, &key.client_id, &key.client_secret)
            .await
            .unwrap();
        assert_eq!(
            plane.authenticate(&undomained.access_token).await.unwrap(),
            plane.authenticate(&token.access_token).await.unwrap()
        );
        assert!(
            control
                .issue_token(None, &key.client_id, "wrong")
                .await
                .is_err()
        );
        control
            .revoke_api_key("communitiz-app", &key.client_id)
            .await
            .unwrap();
        assert!(plane.authenticate(&token.access_token).await.is_err());
        assert_eq!(
            control
                .issue_token(Some("communitiz-app"), &key.client_id, &key.client_secret)
                .await
                .unwrap_err(),
            Error::InvalidClientCredentials
        );
        assert_eq!(
            control
                .revoke_api_key("communitiz-app", &key.client_id)
                .await,
            Err(Error::NotFound(Record::ApiKey))
        );
    })
}

#[test]
fn a_key_of_another_account_admits_nothing() {
    run(async {
        let plane = ControlPlane::new().await;
        let control = plane.at(T0);
        let (_, token) = plane.key_and_token("sandbox").await;
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
    })
}

#[test]
fn accounts_are_unique_and_their_keys_listed_without_secrets() {
    run(async {
        let plane = ControlPlane::new().await;
        let control = plane.at(T0);
        assert!(matches!(
            control.create_account("communitiz-app").await,
            Err(Error::AccountExists)
        ));
        assert!(matches!(
            control.create_account("Not A Slug").await,
            Err(Error::Invalid {
                field: "domain",
                ..
            })
        ));
        let key = control
            .create_api_key("communitiz-app", "sandbox")
            .await
            .unwrap();
        let listed = control.api_keys("communitiz-app").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].client_id, key.client_id);
        assert_ne!(listed[0].secret_hash, key.client_secret.as_bytes());
        assert!(matches!(
            control.create_api_key("communitiz-app", "staging").await,
            Err(Error::Invalid {
                field: "environment",
                ..
            })
        ));
        assert_eq!(
            control.api_keys("nobody").await,
            Err(Error::NotFound(Record::Account))
        );
    })
}
