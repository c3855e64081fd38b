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

/// What the OpenAPI document says of each operation.
#[cfg(test)]
mod doc {
    use crate::api::DirectoryOp;
    use crate::api::openapi::{Answer, Body, Doc, page, requests, schema};
    use crate::wire::answers::OrganizationBody;

    impl DirectoryOp {
        pub fn doc(self) -> Doc {
            match self {
                Self::CreateOrganization => Doc {
                    tag: "Organizations",
                    summary: "Create an organization",
                    description: "Creates an organization (a customer of the account) with an inactive TOTP connection; its domain is derived from the name (taken ones get -2, -3...). Takes an Idempotency-Key.",
                    request: Some(Body {
                        schema: schema::<requests::CreateOrganizationRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 201,
                        description: "Created with an inactive TOTP connection",
                        schema: Some(schema::<OrganizationBody>),
                    },
                    errors: &[400, 401, 413, 415, 409, 422],
                },
                Self::Organizations => Doc {
                    tag: "Organizations",
                    summary: "List organizations",
                    description: "The organizations of the token's account and environment, a page at a time.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "A page",
                        schema: Some(page::<OrganizationBody>),
                    },
                    errors: &[400, 401, 413, 415, 422],
                },
                Self::Organization => Doc {
                    tag: "Organizations",
                    summary: "Get an organization",
                    description: "An organization of the token's account and environment, by domain.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The organization",
                        schema: Some(schema::<OrganizationBody>),
                    },
                    errors: &[400, 401, 413, 415, 404],
                },
            }
        }
    }
}
