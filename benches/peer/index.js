// The naive JavaScript peer of issue 26: validation as a Workers developer would first write
// it. An HS256 bearer token checked with WebCrypto, the factor in one SQLite Durable Object per
// organization (one SELECT and one UPDATE), the code checked by the `otpauth` package (copied
// beside this file by benches/api-load.mjs). No lockout backoff, no audit, no sealing, no
// single-use step across factors: a floor to measure the service against, not a design.
import * as OTPAuth from "./otpauth.esm.js";

const encoder = new TextEncoder();
let signingKey;

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
    const route = path.match(/^\/api\/v2\/org\/([^/]+)\/totp-challenge\/validation\/([^/]+)$/) ?? path.match(/^\/seed\/([^/]+)\/([^/]+)$/);
    if (!route || request.method !== "POST") return Response.json({ error: "not_found" }, { status: 404 });
    if (!(await authorized(request, env))) return Response.json({ error: "unauthorized" }, { status: 401 });
    const [, org, user] = route;
    const action = path.startsWith("/seed/") ? "seed" : "validate";
    return env.ORG.get(env.ORG.idFromName(org)).fetch(`https://org/${action}/${user}`, { method: "POST", body: await request.text() });
  },
};

export class OrgObject {
  constructor(ctx) {
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS factors (user_id TEXT PRIMARY KEY, secret TEXT NOT NULL, last_step INTEGER, failures INTEGER NOT NULL DEFAULT 0)");
  }

  async fetch(request) {
    const [, action, user] = new URL(request.url).pathname.split("/");
    const body = await request.json();
    if (action === "seed") {
      this.sql.exec("INSERT OR REPLACE INTO factors (user_id, secret) VALUES (?, ?)", user, body.secret);
      return Response.json({ seeded: true });
    }
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
