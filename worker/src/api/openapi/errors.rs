//! The failures an operation may answer: one shared response per status, all in the one error
//! shape (`wire::problem`).

use serde_json::{Value, json};

use crate::api::{Operation, OrgOp};

/// The shared responses, by name, each with the request's id.
pub fn responses() -> Value {
    let mut responses = shared();
    for response in responses
        .as_object_mut()
        .into_iter()
        .flat_map(|map| map.values_mut())
    {
        response["headers"]["X-Request-Id"] = super::request_id_header();
    }
    responses
}

fn shared() -> Value {
    json!({
        "Error400": {
            "description": "Malformed request",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error401": {
            "description": "Missing or invalid credentials",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error403": {
            "description": "Not allowed",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error404": {
            "description": "Not found",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error409": {
            "description": "Conflict with the current state",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error413": {
            "description": "Body too large",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error415": {
            "description": "Unsupported content type",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error422": {
            "description": "A field is invalid",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        },
        "Error429": {
            "description": "Too many failed attempts (see Retry-After)",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            },
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the next attempt is looked at",
                    "schema": {
                        "type": "integer",
                        "minimum": 1
                    },
                    "required": true
                }
            }
        },
        "TooManyRequests": {
            "description": "Too many token requests from this client address or for this client id (see Retry-After); error `too_many_requests`",
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before asking again",
                    "schema": {
                        "type": "integer",
                        "minimum": 1
                    },
                    "required": true
                }
            },
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        }
    })
}

/// The response of `operation` for `status`.
pub fn reference(operation: Operation, status: u16) -> Value {
    if operation == Operation::Token && status == 429 {
        return json!({ "$ref": "#/components/responses/TooManyRequests" });
    }
    if operation == Operation::Org(OrgOp::ImportFactors) && status == 422 {
        return json!({
            "headers": { "X-Request-Id": super::request_id_header() },
            "description": "Invalid input: among others, an entry whose secret holds fewer than 80 bits refuses the whole request before anything is imported (`field`: `factors`, the message names the entry)",
            "content": {
                "application/json": {
                    "schema": {
                        "$ref": "#/components/schemas/Error"
                    }
                }
            }
        });
    }
    json!({ "$ref": format!("#/components/responses/Error{status}") })
}
