// The naive JavaScript peer of issue 26: validation as a Workers developer would first write
// it. An HS256 bearer token checked with WebCrypto, the factor in one SQLite Durable Object per
// organization (one SELECT and one UPDATE), the code checked by the `otpauth` package (copied
// beside this file by benches/api-load.mjs). No lockout backoff, no audit, no sealing, no
// single-use step across factors: a floor to measure the service against, not a design.
//
// Under /rules/ the same request keeps the rules issue 26 asks the service to keep, as plainly
// as this peer does the rest: the secret sealed (AES-GCM, WebCrypto), the user's guard read
// (failures, lockout, the last accepted step, the unused recovery codes counted), the guard's
// change committed with its audit event in one transaction, and the service's answer headers
// and log line (a request id, no-store and the other security headers). It answers what part
// of the gap to the naive peer the rules themselves cost.
import * as OTPAuth from "./otpauth.esm.js";

const encoder = new TextEncoder();
let signingKey, sealingKey;
const MAX_ATTEMPTS = 20;
// What every answer of the service carries (worker/src/wire/respond.rs).
const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

/** The AES-GCM key secrets are sealed under (imported once per isolate). */
async function sealing(env) {
  sealingKey ??= await crypto.subtle.importKey("raw", bytes(env.PEER_SEALING_KEY), "AES-GCM", false, ["encrypt", "decrypt"]);
  return sealingKey;
}

function bytes(base64url) {
  const text = atob(base64url.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

async function authorized(request, env) {
  const header = request.headers.get("authorization") ?? "";
  const [head, payload, signature] = header.replace(/^Bearer /, "").split(".");
  if (!signature) return false;
  signingKey ??= await crypto.subtle.importKey("raw", encoder.encode(env.PEER_TOKEN_KEY), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const valid = await crypto.subtle.verify("HMAC", signingKey, bytes(signature), encoder.encode(`${head}.${payload}`));
  return valid && JSON.parse(new TextDecoder().decode(bytes(payload))).exp > Date.now() / 1000;
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    // A bare object hop, as the service's /admin/health/object: the floor under a validation.
    if (path === "/hop" && request.method === "GET") return env.ORG.get(env.ORG.idFromName("health")).fetch("https://org/ping");
    const route = path.match(/^(\/rules)?\/api\/v2\/org\/([^/]+)\/totp-challenge\/validation\/([^/]+)$/) ?? path.match(/^(\/seed)\/([^/]+)\/([^/]+)$/);
    if (!route || request.method !== "POST") return Response.json({ error: "not_found" }, { status: 404 });
    if (!(await authorized(request, env))) return Response.json({ error: "unauthorized" }, { status: 401 });
    const [, prefix, org, user] = route;
    const action = { "/seed": "seed", "/rules": "guarded" }[prefix] ?? "validate";
    if (action !== "guarded") return env.ORG.get(env.ORG.idFromName(org)).fetch(`https://org/${action}/${user}`, { method: "POST", body: await request.text() });
    const id = crypto.randomUUID();
    const answer = await env.ORG.get(env.ORG.idFromName(org)).fetch(`https://org/${action}/${user}`, { method: "POST", headers: { "x-request-id": id }, body: await request.text() });
    console.log(`${id} POST validate ${answer.status} d1=0 objects=1`);
    return answer;
  },
};

export class OrgObject {
  constructor(ctx, env) {
    this.storage = ctx.storage;
    this.env = env;
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS factors (user_id TEXT PRIMARY KEY, secret TEXT NOT NULL, last_step INTEGER, failures INTEGER NOT NULL DEFAULT 0)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS sealed_factors (user_id TEXT PRIMARY KEY, sealed TEXT NOT NULL)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS guards (user_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until INTEGER, last_step INTEGER)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS recovery_codes (user_id TEXT NOT NULL, hash TEXT NOT NULL, used_at INTEGER)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS recovery_codes_by_user ON recovery_codes (user_id)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS audit_events (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL, user_id TEXT, detail TEXT)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS audit_events_by_age ON audit_events (at)");
  }

  /** Seals `secret` for `user` and gives them ten recovery codes (stored as hashes). */
  async seed(user, secret) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(user) }, await sealing(this.env), encoder.encode(secret)));
    this.sql.exec("INSERT OR REPLACE INTO factors (user_id, secret) VALUES (?, ?)", user, secret);
    this.sql.exec("INSERT OR REPLACE INTO sealed_factors (user_id, sealed) VALUES (?, ?)", user, btoa(String.fromCharCode(...iv, ...sealed)));
    for (let i = 0; i < 10; i++) {
      const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", crypto.getRandomValues(new Uint8Array(16))));
      this.sql.exec("INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)", user, btoa(String.fromCharCode(...hash)));
    }
  }

  /**
   * A code checked under the rules. The secret is opened first (WebCrypto awaits); the guard is
   * read, checked and written with no await between, so concurrent requests cannot both pass it.
   */
  async guarded(user, code, requestId) {
    const headers = { ...SECURITY_HEADERS, "x-request-id": requestId };
    const [factor] = this.sql.exec("SELECT sealed FROM sealed_factors WHERE user_id = ?", user).toArray();
    if (!factor) return Response.json({ error: "not_found" }, { status: 404, headers });
    const sealed = Uint8Array.from(atob(factor.sealed), (c) => c.charCodeAt(0));
    const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.subarray(0, 12), additionalData: encoder.encode(user) }, await sealing(this.env), sealed.subarray(12));
    const now = Math.floor(Date.now() / 1000);
    const [guard] = this.sql.exec("SELECT coalesce(g.failures, 0) AS failures, g.locked_until, g.last_step, (SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL) AS codes_left FROM (SELECT ?1 AS user_id) AS u LEFT JOIN guards AS g USING (user_id)", user).toArray();
    if (guard.locked_until !== null && guard.locked_until > now) return Response.json({ error: "locked" }, { status: 429, headers });
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(new TextDecoder().decode(opened)) });
    const delta = totp.validate({ token: String(code ?? ""), window: 1 });
    const step = delta === null ? null : totp.counter() + delta;
    const success = step !== null && (guard.last_step === null || step > guard.last_step);
    const failures = success ? 0 : guard.failures + 1;
    this.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO guards (user_id, failures, locked_until, last_step) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO UPDATE SET failures = ?2, locked_until = ?3, last_step = ?4", user, failures, failures >= MAX_ATTEMPTS ? now + 3600 : null, success ? step : guard.last_step);
      this.sql.exec("INSERT INTO audit_events (at, event, user_id, detail) VALUES (?, ?, ?, ?)", now, success ? "challenge_succeeded" : "challenge_failed", user, JSON.stringify({ failed_attempts: failures }));
    });
    return Response.json({ success, failed_attempts: failures, recovery_codes_remaining: guard.codes_left }, { headers });
  }

  async fetch(request) {
    const [, action, user] = new URL(request.url).pathname.split("/");
    if (action === "ping") return Response.json({ status: "ok" });
    const body = await request.json();
    if (action === "seed") {
      await this.seed(user, body.secret);
      return Response.json({ seeded: true });
    }
    if (action === "guarded") return this.guarded(user, body.code, request.headers.get("x-request-id"));
    const [factor] = this.sql.exec("SELECT secret, last_step FROM factors WHERE user_id = ?", user).toArray();
    if (!factor) return Response.json({ error: "not_found" }, { status: 404 });
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(factor.secret) });
    const delta = totp.validate({ token: String(body.code ?? ""), window: 1 });
    const step = delta === null ? null : totp.counter() + delta;
    const success = step !== null && (factor.last_step === null || step > factor.last_step);
    if (success) this.sql.exec("UPDATE factors SET last_step = ?, failures = 0 WHERE user_id = ?", step, user);
    else this.sql.exec("UPDATE factors SET failures = failures + 1 WHERE user_id = ?", user);
    return Response.json({ success, failed_attempts: success ? 0 : undefined });
  }
}
