//! Every operation of the API, declared once: its method and path, its name, its body limit,
//! what an `Idempotency-Key` does on it, and what serves it. Routing, the HTTP ring, the
//! organization objects and the OpenAPI document all read this table; each match over the
//! operations is exhaustive, so a new one does not compile until each of these is decided.

mod directory;
mod operator;
mod org;
mod route;

pub use route::{Params, allowed_methods, route};

use totp_domain::error::Result;
use totp_domain::org::AnswerKind;
use worker::Method;

use crate::org_object::OrgCommand;
use crate::wire::input::Input;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY: usize = 16 * 1024;

/// The limit of `POST .../totp-import`: up to 500 entries of a user id and a URI.
pub const MAX_IMPORT_BODY: usize = 256 * 1024;

/// Declares an enum of operations with `ALL`, every variant in order, so a new variant is
/// routed and documented without a second list to keep.
macro_rules! operations {
    ($(#[doc = $doc:literal])* pub enum $name:ident {
        $($(#[doc = $variant_doc:literal])* $(#[cfg($cfg:meta)])? $variant:ident,)*
    }) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[doc = $variant_doc])* $(#[cfg($cfg)])? $variant,)*
        }

        impl $name {
            /// Every variant, in the order declared.
            pub const ALL: &[Self] = &[$($(#[cfg($cfg)])? Self::$variant,)*];
        }
    };
}

/// An operation of the API, by who may call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// The OpenAPI document of the integrators' API: static, served before anything is
    /// configured.
    OpenApi,
    /// The OpenAPI document of the operator's routes, a document of its own.
    OperatorOpenApi,
    /// Liveness: reaches neither D1 nor an object, so it costs no shared resource.
    Health,
    /// Rate-limited per client address and per client id before D1 is read.
    Token,
    /// Guarded by the `OPERATOR_TOKEN` secret.
    Operator(OperatorOp),
    /// For an account's bearer token: its organizations, in D1.
    Directory(DirectoryOp),
    /// For an account's bearer token, under `/api/v2/org/{org_domain}/`: served by that
    /// organization's object.
    Org(OrgOp),
}

operations! {
    /// Accounts, API keys, key rotation, exports and the deep health checks.
    pub enum OperatorOp {
        CreateAccount,
        Account,
        CreateApiKey,
        ApiKeys,
        RevokeApiKey,
        /// Every organization's object, through the directory.
        Reseal,
        /// One organization's data, by organization id, streamed.
        Export,
        /// An export loaded into an empty organization, streamed.
        Restore,
        /// D1 once and an organization object once.
        DeepHealth,
        /// An organization object once and nothing else: the cost of the hop.
        ObjectHealth,
        /// Test builds only: runs an organization object's alarm at the test's time.
        #[cfg(feature = "test-clock")]
        FireAlarm,
    }
}

operations! {
    /// An account's organizations.
    pub enum DirectoryOp {
        CreateOrganization,
        Organizations,
        Organization,
        UpdateOrganization,
        DeleteOrganization,
    }
}

operations! {
    /// An operation inside one organization.
    pub enum OrgOp {
        CreateUser,
        Users,
        User,
        UpdateUser,
        DeleteUser,
        Connection,
        UpdateConnection,
        Enroll,
        ValidateEnrollment,
        EnrollmentStatus,
        DeleteEnrollment,
        RegenerateRecoveryCodes,
        ImportFactors,
        CreateChallenge,
        ValidateChallenge,
        Factors,
        RenameFactor,
        DeleteFactor,
        VerifyTrustedDevice,
        TrustedDevices,
        RevokeTrustedDevice,
        RevokeTrustedDevices,
        CreateWebhook,
        Webhooks,
        Webhook,
        UpdateWebhook,
        DeleteWebhook,
        RotateWebhookSecret,
        WebhookDeliveries,
        RetryWebhookDelivery,
        AuditEvents,
    }
}

/// What the rings need to know about an operation.
#[derive(Clone, Debug)]
pub struct Spec {
    pub method: Method,
    /// The path, with `{name}` for each parameter.
    pub path: &'static str,
    /// Its OpenAPI `operationId`, also its name in log lines (never its arguments: paths carry
    /// emails and ids).
    pub name: &'static str,
    /// Larger bodies are refused with 413 before they are read whole.
    pub body_limit: usize,
    pub idempotency: Idempotency,
    pub serve: Serve,
}

/// What an `Idempotency-Key` does on an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// A creating request: its answer is kept under the key, and a retry gets it again.
    Kept(Keeper),
    /// A request that checks a code: a replayed success would let one code succeed twice, so
    /// the key is refused (422).
    Refused,
    /// Reads, updates and deletions are safe to retry as they are: the key is ignored.
    Ignored,
}

/// Who keeps an answer under an `Idempotency-Key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keeper {
    /// The control plane, in D1.
    Directory,
    /// The organization's object, saying what the answer holds (so the change that makes it
    /// stale can forget it).
    Object(AnswerKind),
}

/// What serves an operation.
#[derive(Clone, Copy, Debug)]
pub enum Serve {
    /// The Worker itself: the control plane in D1, health and the operator's walks.
    Worker,
    /// The organization's object, as the command built here from the path and the input
    /// (checked for shape; values are checked by the domain, in the object).
    Object(Command),
}

/// Builds an object's command from the path's parameters and the request's input.
pub type Command = fn(&Params<'_>, &Input) -> Result<OrgCommand>;

impl Operation {
    /// Every operation, in the order of the OpenAPI document.
    pub fn all() -> impl Iterator<Item = Self> {
        let top = [
            Self::Health,
            Self::OpenApi,
            Self::OperatorOpenApi,
            Self::Token,
        ];
        let operator = OperatorOp::ALL.iter().copied().map(Self::Operator);
        let directory = DirectoryOp::ALL.iter().copied().map(Self::Directory);
        let org = OrgOp::ALL.iter().copied().map(Self::Org);
        top.into_iter().chain(operator).chain(directory).chain(org)
    }

    pub fn spec(self) -> Spec {
        let worker = |method, path, name| Spec {
            method,
            path,
            name,
            body_limit: MAX_BODY,
            idempotency: Idempotency::Ignored,
            serve: Serve::Worker,
        };
        match self {
            Self::OpenApi => worker(Method::Get, "/openapi.json", "openapi"),
            Self::OperatorOpenApi => worker(Method::Get, "/openapi-admin.json", "openapiAdmin"),
            Self::Health => worker(Method::Get, "/health", "health"),
            Self::Token => worker(Method::Post, "/oauth/token", "createToken"),
            Self::Operator(op) => op.spec(),
            Self::Directory(op) => op.spec(),
            Self::Org(op) => op.spec(),
        }
    }

    /// The operation's name for logs.
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// What the OpenAPI document says of each operation (`openapi`).
#[cfg(test)]
mod doc {
    use totp_domain::control::AccessToken;

    use super::Operation;
    use super::openapi::{Answer, Body, Doc, any_object, requests, schema};
    use crate::wire::answers::Health;

    impl Operation {
        pub fn doc(self) -> Doc {
            match self {
                Self::Health => Doc {
                    tag: "Service",
                    summary: "Check that the Worker is up",
                    description: "Liveness: the Worker answers. Reaches neither D1 nor an object (the operator's GET /admin/health checks both).",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "The Worker is up",
                        schema: Some(schema::<Health>),
                    },
                    errors: &[],
                },
                Self::OpenApi => Doc {
                    tag: "Service",
                    summary: "This OpenAPI document",
                    description: "The integrators' API: every operation a backend calls, generated from the Worker's operation table and types. The operator's routes are in /openapi-admin.json.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "This document",
                        schema: Some(any_object),
                    },
                    errors: &[],
                },
                Self::OperatorOpenApi => Doc {
                    tag: "Service",
                    summary: "The operator's OpenAPI document",
                    description: "The operator's routes, in a document of their own, generated like /openapi.json.",
                    request: None,
                    answer: Answer {
                        status: 200,
                        description: "This document",
                        schema: Some(any_object),
                    },
                    errors: &[],
                },
                Self::Token => Doc {
                    tag: "Tokens",
                    summary: "Issue a bearer token for client credentials",
                    description: "The client-credentials grant (RFC 6749): the API key's client id and secret in HTTP Basic or in the body, not both; domain optional (the key's account when absent). Limited per client address and per client id (429 with Retry-After). The token lasts 15 minutes and reaches one account and environment.",
                    request: Some(Body {
                        schema: schema::<requests::CreateTokenRequest>,
                        required: true,
                    }),
                    answer: Answer {
                        status: 200,
                        description: "A bearer token",
                        schema: Some(schema::<AccessToken>),
                    },
                    errors: &[400, 401, 413, 415, 422, 429],
                },
                Self::Operator(op) => op.doc(),
                Self::Directory(op) => op.doc(),
                Self::Org(op) => op.doc(),
            }
        }
    }
}

#[cfg(test)]
pub mod openapi;
#[cfg(test)]
mod tests;
