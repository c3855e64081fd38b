// Worker secrets for tests: fresh random keys per run, as `make keys` makes them for real.
import { randomBytes } from "node:crypto";

const key = () => randomBytes(32).toString("base64");

export function testSecrets() {
  return {
    SECRET_SEALING_KEYS: `k1:${key()}`,
    TOKEN_SIGNING_KEY: key(),
    RECOVERY_HASH_KEY: key(),
    EMAIL_LOOKUP_KEYS: `e1:${key()}`,
    OPERATOR_TOKEN: randomBytes(24).toString("hex"),
  };
}
