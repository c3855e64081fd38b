-- Everything under an organization now lives in that organization's own SQLite-backed Durable
-- Object (schema in crates/totp-domain/src/org/schema.rs). D1 keeps the control plane:
-- accounts, API keys and the organization directory.
DROP TABLE audit_events;
DROP TABLE challenges;
DROP TABLE recovery_codes;
DROP TABLE factors;
DROP TABLE totp_connections;
DROP TABLE users;
