-- Answers kept for idempotent retries of the control plane's creating requests (POST
-- /api/v2/organizations), for 24 hours, scoped to account, environment and route. A row without
-- an answer is a request still running (a retry gets 409). Answers are sealed like the
-- organizations' own kept answers.
CREATE TABLE idempotency_keys (
    account_id     TEXT NOT NULL,
    environment    TEXT NOT NULL,
    key            TEXT NOT NULL,
    route          TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    sealed_answer  TEXT,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, environment, key, route)
) STRICT;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
