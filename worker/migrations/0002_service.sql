-- API keys, organizations, users, TOTP connections and factors, recovery codes, challenges
-- and the audit trail. Secrets are never stored in clear: client secrets as SHA-256, TOTP
-- secrets sealed with AES-256-GCM, recovery codes as HMAC-SHA-256 (binary values as base64).
CREATE TABLE api_keys (
    client_id    TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    environment  TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    secret_hash  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_by_account ON api_keys (account_id);

CREATE TABLE organizations (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    environment    TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    domain         TEXT NOT NULL,
    name           TEXT NOT NULL,
    email_domains  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (account_id, environment, domain)
) STRICT;

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    email            TEXT NOT NULL,
    email_key        TEXT NOT NULL,
    given_name       TEXT,
    family_name      TEXT,
    phone_number     TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (organization_id, email_key)
) STRICT;

CREATE TABLE totp_connections (
    organization_id  TEXT PRIMARY KEY REFERENCES organizations (id),
    active           INTEGER NOT NULL,
    method           TEXT NOT NULL,
    algorithm        TEXT NOT NULL,
    digits           INTEGER NOT NULL,
    period           INTEGER NOT NULL,
    skew             INTEGER NOT NULL,
    issuer           TEXT NOT NULL,
    max_attempts     INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE factors (
    user_id                 TEXT PRIMARY KEY REFERENCES users (id),
    generation              INTEGER NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    method                  TEXT NOT NULL,
    sealed_secret           TEXT NOT NULL,
    algorithm               TEXT NOT NULL,
    digits                  INTEGER NOT NULL,
    period                  INTEGER NOT NULL,
    last_step               INTEGER NOT NULL DEFAULT -1,
    failures                INTEGER NOT NULL DEFAULT 0,
    locked_until            INTEGER NOT NULL DEFAULT 0,
    enrollments             INTEGER NOT NULL DEFAULT 1,
    recovery_used_at        INTEGER,
    recovery_claim          TEXT,
    reenrollment_required   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE recovery_codes (
    hash     TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users (id),
    used_at  INTEGER
) STRICT;
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

CREATE TABLE challenges (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    at               INTEGER NOT NULL,
    event            TEXT NOT NULL,
    user_id          TEXT,
    detail           TEXT
) STRICT;
CREATE INDEX audit_events_by_organization ON audit_events (organization_id, id);
