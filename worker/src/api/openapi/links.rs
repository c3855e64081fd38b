//! Where an answer leads: the OpenAPI links from an operation's answer to the operations that
//! take its ids, so clients (and the fuzzing suite's stateful runs) can follow the flow.

use serde_json::{Value, json};

use crate::api::Operation;

/// The links of `operation`'s successful answer, if it leads anywhere.
pub fn of(operation: Operation) -> Option<Value> {
    let links = match operation.name() {
        "createAccount" => json!({
            "GetAccount": {
                "operationId": "getAccount",
                "description": "The account just created.",
                "parameters": {
                    "domain": "$response.body#/domain"
                }
            },
            "CreateApiKey": {
                "operationId": "createApiKey",
                "description": "A key of the new account.",
                "parameters": {
                    "domain": "$response.body#/domain"
                }
            },
            "ListApiKeys": {
                "operationId": "listApiKeys",
                "description": "The new account's keys.",
                "parameters": {
                    "domain": "$response.body#/domain"
                }
            }
        }),
        "createApiKey" => json!({
            "CreateToken": {
                "operationId": "createToken",
                "description": "A token from the key just created.",
                "requestBody": {
                    "grant_type": "client_credentials",
                    "domain": "$request.path.domain",
                    "client_id": "$response.body#/client_id",
                    "client_secret": "$response.body#/client_secret"
                }
            },
            "RevokeApiKey": {
                "operationId": "revokeApiKey",
                "description": "Revoke the key just created.",
                "parameters": {
                    "domain": "$request.path.domain",
                    "client_id": "$response.body#/client_id"
                }
            },
            "ListApiKeys": {
                "operationId": "listApiKeys",
                "description": "The account's keys, the new one among them.",
                "parameters": {
                    "domain": "$request.path.domain"
                }
            }
        }),
        "createOrganization" => json!({
            "GetOrganization": {
                "operationId": "getOrganization",
                "description": "The organization just created, by its domain.",
                "parameters": {
                    "domain": "$response.body#/domain"
                }
            },
            "CreateUser": {
                "operationId": "createUser",
                "description": "A user of the new organization.",
                "parameters": {
                    "org_domain": "$response.body#/domain"
                }
            },
            "ListUsers": {
                "operationId": "listUsers",
                "description": "The new organization's users.",
                "parameters": {
                    "org_domain": "$response.body#/domain"
                }
            },
            "GetTotpConnection": {
                "operationId": "getTotpConnection",
                "description": "The new organization's TOTP connection (inactive).",
                "parameters": {
                    "org_domain": "$response.body#/domain"
                }
            },
            "UpdateTotpConnection": {
                "operationId": "updateTotpConnection",
                "description": "Activate or configure the new organization's TOTP connection.",
                "parameters": {
                    "org_domain": "$response.body#/domain"
                }
            },
            "ListAuditEvents": {
                "operationId": "listAuditEvents",
                "description": "The new organization's audit trail.",
                "parameters": {
                    "org_domain": "$response.body#/domain"
                }
            },
            "ExportOrganization": {
                "operationId": "exportOrganization",
                "description": "The operator's export of the new organization, by its id.",
                "parameters": {
                    "organization_id": "$response.body#/id"
                }
            }
        }),
        "createUser" => json!({
            "GetUser": {
                "operationId": "getUser",
                "description": "The user just created, by id.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "GetUserByEmail": {
                "operationId": "getUser",
                "description": "The user just created, by email.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/profile/email"
                }
            },
            "UpdateUser": {
                "operationId": "updateUser",
                "description": "Change the new user's profile.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "DeleteUser": {
                "operationId": "deleteUser",
                "description": "Delete the new user.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "Enroll": {
                "operationId": "enroll",
                "description": "Enroll the new user.",
                "parameters": {
                    "org_domain": "$request.path.org_domain"
                },
                "requestBody": {
                    "user_id": "$response.body#/id"
                }
            },
            "CreateChallenge": {
                "operationId": "createChallenge",
                "description": "A challenge for the new user (404 until enrolled).",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "ValidateChallenge": {
                "operationId": "validateChallenge",
                "description": "A code for the new user (404 until enrolled).",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "GetEnrollment": {
                "operationId": "getTotpEnrollment",
                "description": "The new user's enrollment (none until enrolled).",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "DeleteEnrollment": {
                "operationId": "deleteEnrollment",
                "description": "The new user's factor (404 until enrolled).",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "ListFactors": {
                "operationId": "listFactors",
                "description": "The new user's factors.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "ListTrustedDevices": {
                "operationId": "listTrustedDevices",
                "description": "The new user's trusted devices.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/id"
                }
            },
            "ImportFactor": {
                "operationId": "importFactors",
                "description": "Import a factor for the new user.",
                "parameters": {
                    "org_domain": "$request.path.org_domain"
                },
                "requestBody": {
                    "factors": [
                        {
                            "user_id": "$response.body#/id"
                        }
                    ]
                }
            }
        }),
        "enroll" => json!({
            "ValidateEnrollment": {
                "operationId": "validateEnrollment",
                "description": "Validate the pending secret with its first code.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id"
                }
            },
            "DeleteEnrollment": {
                "operationId": "deleteEnrollment",
                "description": "Remove the factor just enrolled.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id"
                }
            },
            "GetUser": {
                "operationId": "getUser",
                "description": "The enrolled user.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id"
                }
            },
            "RenameFactor": {
                "operationId": "renameFactor",
                "description": "Rename the factor just enrolled.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id",
                    "factor_id": "$response.body#/factor_id"
                }
            },
            "DeleteFactor": {
                "operationId": "deleteFactor",
                "description": "Remove the factor just enrolled.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id",
                    "factor_id": "$response.body#/factor_id"
                }
            },
            "ListFactors": {
                "operationId": "listFactors",
                "description": "The enrolled user's factors.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id"
                }
            },
            "ReEnroll": {
                "operationId": "enroll",
                "description": "Enroll the same user again.",
                "parameters": {
                    "org_domain": "$request.path.org_domain"
                },
                "requestBody": {
                    "user_id": "$response.body#/user_id"
                }
            }
        }),
        "validateEnrollment" => json!({
            "CreateChallenge": {
                "operationId": "createChallenge",
                "description": "A challenge for the user (once the enrollment is validated).",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$request.path.user_id"
                }
            },
            "ValidateChallenge": {
                "operationId": "validateChallenge",
                "description": "A code for the user.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$request.path.user_id"
                }
            },
            "RegenerateRecoveryCodes": {
                "operationId": "regenerateRecoveryCodes",
                "description": "New recovery codes for the user.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$request.path.user_id"
                }
            }
        }),
        "validateChallenge" => json!({
            "VerifyTrustedDevice": {
                "operationId": "verifyTrustedDevice",
                "description": "Verify the device just remembered (with remember_device), at the next sign-in.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$request.path.user_id"
                },
                "requestBody": {
                    "device_token": "$response.body#/device_token"
                }
            },
            "RevokeTrustedDevice": {
                "operationId": "revokeTrustedDevice",
                "description": "Revoke the device just remembered.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$request.path.user_id",
                    "device_id": "$response.body#/device_id"
                }
            },
            "ListTrustedDevices": {
                "operationId": "listTrustedDevices",
                "description": "The user's trusted devices.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$request.path.user_id"
                }
            }
        }),
        "createWebhook" => json!({
            "GetWebhook": {
                "operationId": "getWebhook",
                "description": "The endpoint just registered.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "webhook_id": "$response.body#/id"
                }
            },
            "UpdateWebhook": {
                "operationId": "updateWebhook",
                "description": "Change the endpoint just registered.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "webhook_id": "$response.body#/id"
                }
            },
            "RotateWebhookSecret": {
                "operationId": "rotateWebhookSecret",
                "description": "A new secret for the endpoint just registered.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "webhook_id": "$response.body#/id"
                }
            },
            "ListWebhookDeliveries": {
                "operationId": "listWebhookDeliveries",
                "description": "What was sent to the endpoint just registered.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "webhook_id": "$response.body#/id"
                }
            },
            "DeleteWebhook": {
                "operationId": "deleteWebhook",
                "description": "Delete the endpoint just registered.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "webhook_id": "$response.body#/id"
                }
            }
        }),
        "createChallenge" => json!({
            "ValidateChallenge": {
                "operationId": "validateChallenge",
                "description": "Answer the challenge just opened.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id"
                }
            },
            "RegenerateRecoveryCodes": {
                "operationId": "regenerateRecoveryCodes",
                "description": "New recovery codes, with a current code.",
                "parameters": {
                    "org_domain": "$request.path.org_domain",
                    "user_id": "$response.body#/user_id"
                }
            }
        }),
        _ => return None,
    };
    Some(links)
}
