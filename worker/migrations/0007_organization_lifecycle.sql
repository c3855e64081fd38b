-- Organizations can be renamed and deleted. The answer a createOrganization request kept names
-- the organization it created, so deleting the organization forgets it; the control plane keeps
-- its own audit trail of what happened to organizations (their objects' trails go with them).
ALTER TABLE idempotency_keys ADD COLUMN organization_id TEXT;

CREATE INDEX idempotency_keys_by_organization ON idempotency_keys (organization_id);

CREATE TABLE control_audit_events (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    account_id       TEXT NOT NULL,
    environment      TEXT NOT NULL,
    event            TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    detail           TEXT
) STRICT;

CREATE INDEX control_audit_events_by_organization ON control_audit_events (organization_id);
