//! The schema of an organization's own database, versioned. An object applies what it lacks
//! when it first opens after a deploy, each version in one transaction with its number.

use serde::Deserialize;

use crate::error::Result;
use crate::sql::{Sql, Statement};

/// Each version's statements, in order; the schema's version is the length of this list.
/// Never edit a released version: append one.
pub const MIGRATIONS: &[&[&str]] = &[
    // 1: users, the TOTP connection, factors, recovery codes, challenges, the audit trail
    // (append-only, never deleted: its rowid grows without AUTOINCREMENT's extra write).
    // Secrets are never stored in clear: TOTP secrets sealed with AES-256-GCM, recovery codes
    // as HMAC-SHA-256 (binary values as base64).
    &[
        "CREATE TABLE users (
            id            TEXT PRIMARY KEY,
            email         TEXT NOT NULL,
            email_key     TEXT NOT NULL UNIQUE,
            given_name    TEXT,
            family_name   TEXT,
            phone_number  TEXT,
            created_at    INTEGER NOT NULL
        ) STRICT",
        "CREATE TABLE connection (
            id            INTEGER PRIMARY KEY CHECK (id = 1),
            active        INTEGER NOT NULL,
            method        TEXT NOT NULL,
            algorithm     TEXT NOT NULL,
            digits        INTEGER NOT NULL,
            period        INTEGER NOT NULL,
            skew          INTEGER NOT NULL,
            issuer        TEXT NOT NULL,
            max_attempts  INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL
        ) STRICT",
        "CREATE TABLE factors (
            user_id                TEXT PRIMARY KEY REFERENCES users (id),
            generation             INTEGER NOT NULL,
            status                 TEXT NOT NULL CHECK (status IN ('pending', 'active')),
            method                 TEXT NOT NULL,
            sealed_secret          TEXT NOT NULL,
            algorithm              TEXT NOT NULL,
            digits                 INTEGER NOT NULL,
            period                 INTEGER NOT NULL,
            last_step              INTEGER,
            failures               INTEGER NOT NULL,
            locked_until           INTEGER NOT NULL,
            enrollments            INTEGER NOT NULL,
            recovery_used_at       INTEGER,
            reenrollment_required  INTEGER NOT NULL
        ) STRICT",
        "CREATE TABLE recovery_codes (
            hash     TEXT PRIMARY KEY,
            user_id  TEXT NOT NULL REFERENCES users (id),
            used_at  INTEGER
        ) STRICT",
        "CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id)",
        "CREATE TABLE challenges (
            id          TEXT PRIMARY KEY,
            user_id     TEXT NOT NULL REFERENCES users (id),
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL
        ) STRICT",
        "CREATE TABLE audit_events (
            id       INTEGER PRIMARY KEY,
            at       INTEGER NOT NULL,
            event    TEXT NOT NULL,
            user_id  TEXT,
            detail   TEXT
        ) STRICT",
    ],
    // 2: the id of the key that sealed each secret beside the ciphertext (which carries it
    // too), so a re-seal pass after a key rotation finds what is left under older keys.
    // Factors of version 1 read as '' and are re-sealed by the next pass.
    &[
        "ALTER TABLE factors ADD COLUMN key_id TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX factors_by_key_id ON factors (key_id)",
    ],
    // 3: a re-enrollment of an active factor waits beside it (the pending_* columns, all set
    // or all null) until its first code; and SMS codes of their own: each challenge row holds
    // the keyed hash of its code, for its purpose ('challenge' or 'enrollment'), and a user
    // has at most one row per purpose, the open one.
    &[
        "ALTER TABLE factors ADD COLUMN pending_method TEXT",
        "ALTER TABLE factors ADD COLUMN pending_sealed_secret TEXT",
        "ALTER TABLE factors ADD COLUMN pending_algorithm TEXT",
        "ALTER TABLE factors ADD COLUMN pending_digits INTEGER",
        "ALTER TABLE factors ADD COLUMN pending_period INTEGER",
        "ALTER TABLE factors ADD COLUMN pending_key_id TEXT",
        "CREATE INDEX factors_by_pending_key_id ON factors (pending_key_id)",
        "ALTER TABLE challenges ADD COLUMN purpose TEXT NOT NULL DEFAULT 'challenge' \
         CHECK (purpose IN ('challenge', 'enrollment'))",
        "ALTER TABLE challenges ADD COLUMN code_hash TEXT",
        "CREATE INDEX challenges_by_user ON challenges (user_id, purpose)",
    ],
    // 4: personal fields sealed. The runtime allows no secure_delete pragma, VACUUM or
    // checkpoint, so a deleted row can linger in free pages and the write-ahead log: the
    // profile is sealed (AES-256-GCM, with the id of its key for re-sealing) and the email
    // kept only as a keyed hash in email_key. The clear columns of version 1 stay empty; rows
    // written before are sealed by the object when it opens (`seal_legacy_profiles`).
    &[
        "ALTER TABLE users ADD COLUMN profile TEXT",
        "ALTER TABLE users ADD COLUMN profile_key_id TEXT",
        "CREATE INDEX users_by_profile_key_id ON users (profile_key_id)",
    ],
    // 5: answers kept for idempotent retries, for 24 hours, sealed (an enrollment's holds its
    // secret); `subject` is the user an answer concerns, so deleting the user deletes them.
    &[
        "CREATE TABLE idempotency (
            key            TEXT NOT NULL,
            route          TEXT NOT NULL,
            fingerprint    TEXT NOT NULL,
            sealed_answer  TEXT NOT NULL,
            subject        TEXT,
            created_at     INTEGER NOT NULL,
            PRIMARY KEY (key, route)
        ) STRICT",
        "CREATE INDEX idempotency_by_age ON idempotency (created_at)",
        "CREATE INDEX idempotency_by_subject ON idempotency (subject)",
    ],
    // 6: what attempts earn belongs to the user, not to a factor: failures, lockout, the last
    // accepted step (as the Unix second it began, so steps of secrets with other periods
    // compare), the enrollment count and the recovery allowance move to `guards`, which a
    // factor's removal or replacement leaves in place. Kept answers are scoped to the API key
    // that made them and say what they hold (`kind`), so each goes in the transaction that
    // ends what it holds; answers kept before are dropped, since they may hold secrets that
    // are no longer pending.
    &[
        "CREATE TABLE guards (
            user_id           TEXT PRIMARY KEY REFERENCES users (id),
            failures          INTEGER NOT NULL,
            locked_until      INTEGER NOT NULL,
            last_accepted_at  INTEGER,
            enrollments       INTEGER NOT NULL,
            recovery_used_at  INTEGER
        ) STRICT",
        "INSERT INTO guards (user_id, failures, locked_until, last_accepted_at, enrollments, \
           recovery_used_at) \
         SELECT user_id, failures, locked_until, last_step * period, enrollments, \
           recovery_used_at FROM factors",
        "ALTER TABLE factors DROP COLUMN last_step",
        "ALTER TABLE factors DROP COLUMN failures",
        "ALTER TABLE factors DROP COLUMN locked_until",
        "ALTER TABLE factors DROP COLUMN enrollments",
        "ALTER TABLE factors DROP COLUMN recovery_used_at",
        "DROP TABLE idempotency",
        "CREATE TABLE idempotency (
            client_id      TEXT NOT NULL,
            key            TEXT NOT NULL,
            route          TEXT NOT NULL,
            kind           TEXT NOT NULL CHECK (kind IN ('profile', 'enrollment', 'challenge')),
            fingerprint    TEXT NOT NULL,
            sealed_answer  TEXT NOT NULL,
            subject        TEXT,
            created_at     INTEGER NOT NULL,
            PRIMARY KEY (client_id, key, route)
        ) STRICT",
        "CREATE INDEX idempotency_by_age ON idempotency (created_at)",
        "CREATE INDEX idempotency_by_subject ON idempotency (subject, kind)",
        // The email lookup key has its own secret (EMAIL_LOOKUP_KEYS) and rotates on its own:
        // each hash records its key's id ('' before, found by any lookup key and re-keyed by the
        // next re-seal pass).
        "ALTER TABLE users ADD COLUMN email_key_id TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX users_by_email_key_id ON users (email_key_id)",
    ],
    // 7: when a factor's secret was enrolled (NULL for factors enrolled before: unknown) and
    // when a code of it last succeeded, for the enrollment's status.
    &[
        "ALTER TABLE factors ADD COLUMN enrolled_at INTEGER",
        "ALTER TABLE factors ADD COLUMN last_used_at INTEGER",
    ],
    // 8: several named factors per user, an MFA policy and trusted devices. `factors` is made
    // anew keyed by a factor id (a user's one factor becomes `f-<user id>`), named and dated;
    // the re-enrollment a recovery code asks for becomes the user's (`guards`), as does a
    // limit on failed device verifications. A trusted device is kept as the keyed hash of its
    // token only.
    &[
        "ALTER TABLE connection ADD COLUMN enforcement TEXT NOT NULL DEFAULT 'optional' \
         CHECK (enforcement IN ('optional', 'required'))",
        "ALTER TABLE connection ADD COLUMN enrollment_grace_days INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE connection ADD COLUMN required_since INTEGER",
        "ALTER TABLE connection ADD COLUMN trusted_device_days INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE guards ADD COLUMN reenrollment_required INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE guards ADD COLUMN device_failures INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE guards ADD COLUMN device_window_start INTEGER NOT NULL DEFAULT 0",
        "INSERT INTO guards (user_id, failures, locked_until, enrollments, reenrollment_required) \
         SELECT user_id, 0, 0, 0, 1 FROM factors WHERE reenrollment_required = 1 \
         ON CONFLICT (user_id) DO UPDATE SET reenrollment_required = 1",
        "CREATE TABLE factors_v8 (
            id                     TEXT PRIMARY KEY,
            user_id                TEXT NOT NULL REFERENCES users (id),
            friendly_name          TEXT NOT NULL,
            created_at             INTEGER NOT NULL,
            generation             INTEGER NOT NULL,
            status                 TEXT NOT NULL CHECK (status IN ('pending', 'active')),
            method                 TEXT NOT NULL,
            sealed_secret          TEXT NOT NULL,
            algorithm              TEXT NOT NULL,
            digits                 INTEGER NOT NULL,
            period                 INTEGER NOT NULL,
            key_id                 TEXT NOT NULL,
            pending_method         TEXT,
            pending_sealed_secret  TEXT,
            pending_algorithm      TEXT,
            pending_digits         INTEGER,
            pending_period         INTEGER,
            pending_key_id         TEXT,
            enrolled_at            INTEGER,
            last_used_at           INTEGER
        ) STRICT",
        "INSERT INTO factors_v8 SELECT 'f-' || user_id, user_id, \
           CASE method WHEN 'sms' THEN 'SMS' ELSE 'Authenticator app' END, \
           coalesce(enrolled_at, 0), generation, status, method, sealed_secret, algorithm, \
           digits, period, key_id, pending_method, pending_sealed_secret, pending_algorithm, \
           pending_digits, pending_period, pending_key_id, enrolled_at, last_used_at \
         FROM factors",
        "DROP TABLE factors",
        "ALTER TABLE factors_v8 RENAME TO factors",
        "CREATE INDEX factors_by_user ON factors (user_id, created_at)",
        "CREATE INDEX factors_by_key_id ON factors (key_id)",
        "CREATE INDEX factors_by_pending_key_id ON factors (pending_key_id)",
        "CREATE TABLE trusted_devices (
            id            TEXT PRIMARY KEY,
            user_id       TEXT NOT NULL REFERENCES users (id),
            token_hash    TEXT NOT NULL UNIQUE,
            name          TEXT,
            created_at    INTEGER NOT NULL,
            expires_at    INTEGER NOT NULL,
            last_used_at  INTEGER
        ) STRICT",
        "CREATE INDEX trusted_devices_by_user ON trusted_devices (user_id)",
    ],
    // 9: webhooks. Endpoints with their signing secrets sealed (a rotated one kept until
    // `previous_until`); every message for an endpoint, written in the transaction of the change
    // it reports (`queued` = 0: the outbox, not yet handed to the queue), kept 7 days with its
    // delivery attempts (never a body there); and how long the audit trail is kept.
    &[
        "CREATE TABLE webhook_endpoints (
            id                      TEXT PRIMARY KEY,
            url                     TEXT NOT NULL,
            event_types             TEXT NOT NULL,
            enabled                 INTEGER NOT NULL,
            sealed_secret           TEXT NOT NULL,
            sealed_previous_secret  TEXT,
            previous_until          INTEGER,
            key_id                  TEXT NOT NULL,
            created_at              INTEGER NOT NULL,
            updated_at              INTEGER NOT NULL
        ) STRICT",
        "CREATE INDEX webhook_endpoints_by_key_id ON webhook_endpoints (key_id)",
        "CREATE TABLE webhook_messages (
            id           TEXT PRIMARY KEY,
            endpoint_id  TEXT NOT NULL,
            event_type   TEXT NOT NULL,
            payload      TEXT NOT NULL,
            created_at   INTEGER NOT NULL,
            round        INTEGER NOT NULL DEFAULT 1,
            queued       INTEGER NOT NULL DEFAULT 0
        ) STRICT",
        "CREATE INDEX webhook_outbox ON webhook_messages (queued, created_at)",
        "CREATE INDEX webhook_messages_by_age ON webhook_messages (created_at)",
        "CREATE TABLE webhook_attempts (
            id           INTEGER PRIMARY KEY,
            message_id   TEXT NOT NULL,
            endpoint_id  TEXT NOT NULL,
            event_type   TEXT NOT NULL,
            round        INTEGER NOT NULL,
            attempt      INTEGER NOT NULL,
            at           INTEGER NOT NULL,
            status       INTEGER,
            error        TEXT,
            latency_ms   INTEGER NOT NULL,
            outcome      TEXT NOT NULL
        ) STRICT",
        "CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, id)",
        "CREATE INDEX webhook_attempts_by_message ON webhook_attempts (message_id, round)",
        "CREATE INDEX webhook_attempts_by_age ON webhook_attempts (at)",
        "ALTER TABLE connection ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 400",
        // The directory entry of the organization, as the last call brought it: the alarm has
        // no call to read it from when it hands the outbox to the queue.
        "CREATE TABLE directory_entry (
            id     INTEGER PRIMARY KEY CHECK (id = 1),
            entry  TEXT NOT NULL
        ) STRICT",
        "CREATE INDEX audit_events_by_age ON audit_events (at)",
    ],
    // 10: lists that cost the same at any depth. Users page by (created_at, id) through an
    // index; their total and the audit trail's come from counters that triggers keep in the
    // transaction of every insert and deletion, whichever path writes it (a restore too).
    &[
        "CREATE INDEX users_by_creation ON users (created_at, id)",
        "CREATE TABLE counters (
            name   TEXT PRIMARY KEY,
            value  INTEGER NOT NULL
        ) STRICT",
        "INSERT INTO counters (name, value) SELECT 'users', count(*) FROM users",
        "INSERT INTO counters (name, value) SELECT 'audit_events', count(*) FROM audit_events",
        "CREATE TRIGGER users_counted AFTER INSERT ON users BEGIN
            UPDATE counters SET value = value + 1 WHERE name = 'users';
        END",
        "CREATE TRIGGER users_uncounted AFTER DELETE ON users BEGIN
            UPDATE counters SET value = value - 1 WHERE name = 'users';
        END",
        "CREATE TRIGGER audit_events_counted AFTER INSERT ON audit_events BEGIN
            UPDATE counters SET value = value + 1 WHERE name = 'audit_events';
        END",
        "CREATE TRIGGER audit_events_uncounted AFTER DELETE ON audit_events BEGIN
            UPDATE counters SET value = value - 1 WHERE name = 'audit_events';
        END",
        // A restore under way (see `org::restore`): every other call waits for its end.
        "CREATE TABLE restoring (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            started_at  INTEGER NOT NULL
        ) STRICT",
    ],
];

/// The version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Deserialize)]
struct Version {
    version: Option<u32>,
}

/// The schema version of `sql` (0 for a new database).
pub fn version(sql: &impl Sql) -> Result<u32> {
    sql.commit(vec![Statement::new(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT",
        vec![],
    )])?;
    let row: Option<Version> = sql.row(&Statement::new(
        "SELECT max(version) AS version FROM schema_version",
        vec![],
    ))?;
    Ok(row.and_then(|row| row.version).unwrap_or(0))
}

/// Brings `sql` to `target` (at most [`VERSION`]), one transaction per version; the version
/// reached.
pub fn migrate_to(sql: &impl Sql, target: u32) -> Result<u32> {
    let mut current = version(sql)?;
    for (index, statements) in MIGRATIONS.iter().enumerate().take(target as usize) {
        let number = index as u32 + 1;
        if number <= current {
            continue;
        }
        let mut writes: Vec<Statement> = statements
            .iter()
            .map(|sql| Statement::new(*sql, vec![]))
            .collect();
        writes.push(crate::stmt!(
            "INSERT INTO schema_version (version) VALUES (?1)",
            number
        ));
        sql.commit(writes)?;
        current = number;
    }
    Ok(current)
}

/// Brings `sql` to the current [`VERSION`].
pub fn migrate(sql: &impl Sql) -> Result<u32> {
    migrate_to(sql, VERSION)
}
