//! An account's organizations: the directory in D1, served by the Worker.

use super::{DirectoryOp, Idempotency, Keeper, MAX_BODY, Serve, Spec};
use worker::Method::{Delete, Get, Patch, Post};

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
            Self::UpdateOrganization => spec(
                Patch,
                "/api/v2/organizations/{domain}",
                "updateOrganization",
                Idempotency::Ignored,
            ),
            Self::DeleteOrganization => spec(
                Delete,
                "/api/v2/organizations/{domain}",
                "deleteOrganization",
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
                Self::UpdateOrganization => Doc {
                    tag: "Organizations",
                    summary: "Rename an organization or change its email domains",
                    description: "Changes `name` and `email_domains` (absent fields keep their value); the domain, derived at creation, stays. Audited in the control plane.",
                    request: Some(Body {
                        schema: schema::<requests::UpdateOrganizationRequest>,
                        required: false,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "The organization as changed",
                        schema: Some(schema::<OrganizationBody>),
                    },
                    errors: &[400, 401, 404, 413, 415, 422],
                },
                Self::DeleteOrganization => Doc {
                    tag: "Organizations",
                    summary: "Delete an organization and everything it holds",
                    description: "Deletes the organization's object storage (users, their sealed secrets and hashed recovery codes, the audit trail, webhooks) and its alarm, then its directory entry and the answers kept about it; an audit event naming its id stays in the control plane. Every call into it answers 404 from then on; a new organization of the same name gets a new id. Cannot be undone: export it first.",
                    request: None,
                    answer: Answer {
                        status: 204,
                        description: "Deleted",
                        schema: None,
                    },
                    errors: &[400, 401, 404, 413, 415],
                },
            }
        }
    }
}
