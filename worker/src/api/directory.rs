//! An account's organizations: the directory in D1, served by the Worker.

use super::{DirectoryOp, Idempotency, Keeper, MAX_BODY, Serve, Spec};
use worker::Method::{Get, Post};

impl DirectoryOp {
    pub fn spec(self) -> Spec {
        let spec = |method, path, name, idempotency| Spec {
            method,
            path,
            name,
            body_limit: MAX_BODY,
            idempotency,
            serve: Serve::Worker,
        };
        match self {
            Self::CreateOrganization => spec(
                Post,
                "/api/v2/organizations",
                "createOrganization",
                Idempotency::Kept(Keeper::Directory),
            ),
            Self::Organizations => spec(
                Get,
                "/api/v2/organizations",
                "listOrganizations",
                Idempotency::Ignored,
            ),
            Self::Organization => spec(
                Get,
                "/api/v2/organizations/{domain}",
                "getOrganization",
                Idempotency::Ignored,
            ),
        }
    }
}
