//! The operator's operations, guarded by the `OPERATOR_TOKEN` secret and served by the Worker.

use worker::Method::{self, Delete, Get, Post};

use super::{Idempotency, MAX_BODY, OperatorOp, Serve, Spec};

impl OperatorOp {
    pub fn spec(self) -> Spec {
        let (method, path, name): (Method, _, _) = match self {
            Self::CreateAccount => (Post, "/admin/accounts", "createAccount"),
            Self::Account => (Get, "/admin/accounts/{domain}", "getAccount"),
            Self::CreateApiKey => (Post, "/admin/accounts/{domain}/api-keys", "createApiKey"),
            Self::ApiKeys => (Get, "/admin/accounts/{domain}/api-keys", "listApiKeys"),
            Self::RevokeApiKey => (
                Delete,
                "/admin/accounts/{domain}/api-keys/{client_id}",
                "revokeApiKey",
            ),
            Self::Reseal => (Post, "/admin/reseal", "reseal"),
            Self::Export => (
                Get,
                "/admin/organizations/{organization_id}/export",
                "exportOrganization",
            ),
            Self::Restore => (
                Post,
                "/admin/organizations/{organization_id}/restore",
                "restoreOrganization",
            ),
            Self::DeepHealth => (Get, "/admin/health", "deepHealth"),
            Self::ObjectHealth => (Get, "/admin/health/object", "objectHealth"),
            #[cfg(feature = "test-clock")]
            Self::FireAlarm => (
                Post,
                "/admin/organizations/{organization_id}/alarm",
                "fireAlarm",
            ),
        };
        // Operators call these by hand or from a deploy script: nothing here is worth
        // keeping an answer for, and none checks a code.
        Spec {
            method,
            path,
            name,
            body_limit: MAX_BODY,
            idempotency: Idempotency::Ignored,
            serve: Serve::Worker,
        }
    }
}

/// What the OpenAPI document says of each operation.
#[cfg(test)]
pub(super) mod doc {
    use totp_domain::control::NewApiKey;
    use totp_domain::org::RestoreReport;
    use totp_domain::org::export::{End, Header, RowLine};

    use crate::api::OperatorOp;
    use crate::api::openapi::{Answer, Body, Doc, Registry, declared, list, requests, schema};
    use crate::wire::answers::{AccountBody, ApiKeyBody, DeepHealth, Health, Resealed, Revoked};

    /// One line of an export: its header, a row, or its end line.
    pub fn export_line(registry: &mut Registry) -> serde_json::Value {
        let line = serde_json::json!({ "oneOf": [
            schema::<Header>(registry),
            schema::<RowLine>(registry),
            schema::<End>(registry),
        ] });
        registry.add("ExportLine", declared(line, "One line of an export."))
    }

    impl OperatorOp {
        pub fn doc(self) -> Doc {
            match self {
                Self::CreateAccount => Doc {
                    tag: "Operator",
                    summary: "Create an account",
                    description: "Creates an account (an integrator); its domain is what its clients may name at /oauth/token.",
                    request: Some(Body {
                        schema: schema::<requests::CreateAccountRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 201,
                        description: "Created",
                        schema: Some(schema::<AccountBody>),
                    },
                    errors: &[400, 401, 413, 415, 403, 409, 422],
                },
                Self::Account => Doc {
                    tag: "Operator",
                    summary: "Get an account",
                    description: "An account, by domain.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The account",
                        schema: Some(schema::<AccountBody>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404],
                },
                Self::CreateApiKey => Doc {
                    tag: "Operator",
                    summary: "Create an API key for an account's environment",
                    description: "A new API key for the account's sandbox or production environment; the secret is answered once and stored as its SHA-256 only.",
                    request: Some(Body {
                        schema: schema::<requests::CreateApiKeyRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 201,
                        description: "Created; the secret is shown only now",
                        schema: Some(schema::<NewApiKey>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404, 422],
                },
                Self::ApiKeys => Doc {
                    tag: "Operator",
                    summary: "List an account's API keys",
                    description: "The account's keys, live and revoked, never their secrets.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "Keys, without secrets",
                        schema: Some(list::<ApiKeyBody>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404],
                },
                Self::RevokeApiKey => Doc {
                    tag: "Operator",
                    summary: "Revoke an API key",
                    description: "Revokes a key: /oauth/token refuses it at once, and its bearer tokens stop working everywhere within 60 seconds.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "Revoked; its tokens stop working at once",
                        schema: Some(schema::<Revoked<'static>>),
                    },
                    errors: &[400, 401, 413, 415, 403, 404],
                },
                Self::Reseal => Doc {
                    tag: "Operator",
                    summary: "Re-seal secrets under the current key",
                    description: "After adding a new first key to SECRET_SEALING_KEYS, moves up to `limit` TOTP secrets sealed under older keys to it, walking every organization's object through the directory.",
                    request: Some(Body {
                        schema: schema::<requests::ResealRequest>,
                        required: false,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "One pass done",
                        schema: Some(schema::<Resealed<'static>>),
                    },
                    errors: &[400, 401, 403, 413, 415, 422],
                },
                Self::Export => Doc {
                    tag: "Operator",
                    summary: "Export an organization's data",
                    description: "Everything one organization's object holds, streamed as NDJSON: a header line (format, schema version, the organization, each table's rows), one line per row table by table as stored (TOTP secrets stay sealed, recovery codes stay hashed), then an end line with the rows written; without the end line the export is incomplete. Read in batches: the object's memory does not grow with the organization. Rows are read while the organization keeps serving: each row is as it was when its batch was read.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The organization's data, a JSON value per line",
                        schema: Some(export_line),
                    },
                    errors: &[400, 401, 403, 404, 409, 413, 415],
                },
                Self::Restore => Doc {
                    tag: "Operator",
                    summary: "Restore an export into an empty organization",
                    description: "Loads an export (NDJSON, as exportOrganization streams it) into an organization without users, audit events or webhooks, in batches: secrets stay sealed (the deployment must hold the same sealing keys), recovery codes stay hashes, and every user's failures, lockout, last accepted step and spent codes come back as they were. Kept answers and webhook deliveries are skipped. Meanwhile the organization answers 409 restore_in_progress; a bad or incomplete export (no end line, a row missing) is a 422 naming its line, and leaves the organization as it was.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "Restored",
                        schema: Some(schema::<RestoreReport>),
                    },
                    errors: &[400, 401, 403, 404, 409, 415, 422],
                },
                Self::DeepHealth => Doc {
                    tag: "Operator",
                    summary: "Check D1 and the object plane",
                    description: "Operator: one D1 query and one round trip to an organization object (a fixed one that holds no data).",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "D1 and the object plane are reachable",
                        schema: Some(schema::<DeepHealth>),
                    },
                    errors: &[401, 403],
                },
                Self::ObjectHealth => Doc {
                    tag: "Operator",
                    summary: "Check the object plane",
                    description: "Operator: one round trip to an organization object (a fixed one that holds no data) and nothing else: the cost of the hop.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The object plane is reachable",
                        schema: Some(schema::<Health>),
                    },
                    errors: &[401, 403],
                },
                #[cfg(feature = "test-clock")]
                Self::FireAlarm => Doc {
                    tag: "Operator",
                    summary: "Run an organization object's alarm at the test's time (test builds only)",
                    description: "",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The alarm ran",
                        schema: None,
                    },
                    errors: &[401, 403, 404],
                },
            }
        }
    }
}
