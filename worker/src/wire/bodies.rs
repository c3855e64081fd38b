//! Wire bodies of the domain's records.

use serde_json::json;

use totp_domain::model::{ApiKey, Connection, Organization, User};

/// An organization as answered.
pub fn organization_body(org: Organization) -> serde_json::Value {
    json!({
        "id": org.id,
        "domain": org.domain,
        "name": org.name,
        "email_domains": org.email_domains,
        "environment": org.environment,
        "created_at": org.created_at,
    })
}

/// A user as answered, with its organization's domain.
pub fn user_body(org: &Organization, user: User) -> serde_json::Value {
    json!({
        "id": user.id,
        "organization_domain": org.domain,
        "profile": user.profile,
        "created_at": user.created_at,
    })
}

/// A TOTP connection as answered.
pub fn connection_body(connection: &Connection) -> serde_json::Value {
    json!({
        "active": connection.active,
        "method": connection.method,
        "algorithm": connection.algorithm.as_str(),
        "digits": connection.digits.count(),
        "period": connection.period,
        "skew": connection.skew,
        "issuer": connection.issuer,
        "max_attempts": connection.max_attempts,
        "updated_at": connection.updated_at,
    })
}

/// An API key as listed: never its secret or hash.
pub fn api_key_body(key: &ApiKey) -> serde_json::Value {
    json!({
        "client_id": key.client_id,
        "environment": key.environment,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    })
}
