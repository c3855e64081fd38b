-- Accounts are the tenants of the service: each owns its API keys and, per environment,
-- its organizations. Later migrations add the rest of the schema.
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    domain      TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
) STRICT;
