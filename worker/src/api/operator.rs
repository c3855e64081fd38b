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
