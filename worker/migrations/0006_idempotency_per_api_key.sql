-- Kept answers are scoped to the API key (client id) that made them: another key of the same
-- account and environment never replays them. Claims live 24 hours at most, so the table is
-- made anew rather than migrated.
DROP TABLE idempotency_keys;

CREATE TABLE idempotency_keys (
    account_id     TEXT NOT NULL,
    environment    TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    key            TEXT NOT NULL,
    route          TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    sealed_answer  TEXT,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, environment, client_id, key, route)
) STRICT;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
