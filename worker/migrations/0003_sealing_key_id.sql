-- The id of the key that sealed each TOTP secret, beside the ciphertext (which carries it too),
-- so a re-seal pass after a key rotation can find what is left under older keys.
ALTER TABLE factors ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
CREATE INDEX factors_by_key_id ON factors (key_id);
