// Hostile input and races beyond the guide: each bad request gets a documented 4xx JSON error
// and leaves the database as it was; concurrency never yields two successes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { outcomes, startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, org, user, secret, recoveryCodes;
before(async () => {
  api = await startApi();
  await api.bootstrap("hostile-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Hostile" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
  ({ user, secret, recoveryCodes } = await api.enrolledUser(org, "h@hostile.test"));
});
after(() => api?.dispose());

/** The control plane's tables in D1 and the organization's tables in its object. */
async function snapshot() {
  const rows = {};
  for (const table of ["organizations", "api_keys"]) {
    rows[table] = (await api.worker.db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()).results;
  }
  for (const table of ["users", "factors", "recovery_codes", "connection"]) rows[table] = await api.stored(org, table);
  return JSON.stringify(rows);
}

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };

test("hostile bodies get a 4xx JSON error and change nothing", async () => {
  const before = await snapshot();
  const cases = [
    ["POST", "/api/v2/organizations", "[".repeat(10000) + "]".repeat(10000), json, 413], // 20 KB: over the limit, small enough to be sent whole before the 413
    ["POST", "/api/v2/organizations", `{"name":${"[".repeat(500)}${"]".repeat(500)}}`, json, 400],
    ["POST", "/api/v2/organizations", Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json, 400],
    ["POST", "/api/v2/organizations", Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff]), form, 400],
    ["POST", "/api/v2/organizations", '{"name": 12, "email_domains": {"a": 1}}', json, 422],
    ["POST", "/api/v2/organizations", '{"name": "x", "email_domains": ["not a domain"]}', json, 422],
    ["POST", `/api/v2/org/${org}/users`, '{"profile": {"email": "a@b.co", "phone_number": "0612"}}', json, 422],
    ["POST", `/api/v2/org/${org}/users`, '{"profile": {"email": "\\u0000@evil.co"}}', json, 422],
    ["PUT", `/api/v2/org/${org}/totp-connection`, '{"active": "maybe"}', json, 422],
    // Beyond 2^53: exact in Rust on both sides of the hop, so refused as out of range.
    ["PUT", `/api/v2/org/${org}/totp-connection`, '{"skew": 1404026039756339712}', json, 422],
    ["PUT", `/api/v2/org/${org}/totp-connection`, '{"digits": 9007199254740993}', json, 422],
    ["PUT", `/api/v2/org/${org}/totp-connection`, '{"period": -30}', json, 422],
    ["PUT", `/api/v2/org/${org}/totp-connection`, '{"issuer": "' + "x".repeat(200) + '"}', json, 422],
    ["POST", `/api/v2/org/${org}/totp-enrollment`, '{"user_id": "\' OR 1=1 --"}', json, 404],
    ["POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, '{"code": ["123456"]}', json, 422],
    ["GET", `/api/v2/org/${org}/users?page=0`, undefined, {}, 422],
    ["GET", `/api/v2/org/${org}/users?per_page=99999999999999999999`, undefined, {}, 422],
    ["GET", `/api/v2/org/${encodeURIComponent("x' OR '1'='1")}/users`, undefined, {}, 404],
    ["GET", `/api/v2/org/${org}/users/${encodeURIComponent("%' OR email LIKE '%")}`, undefined, {}, 404],
    ["POST", "/api/v2/organizations", "name=x", { "content-type": "text/plain" }, 415],
  ];
  for (const [method, path, raw, headers, status] of cases) {
    const response = await api.call(method, path, { raw, headers });
    assert.equal(response.status, status, `${method} ${path} ${String(raw).slice(0, 40)}: ${JSON.stringify(response.body)}`);
    assert.equal(typeof response.body.error, "string");
    assert.equal(typeof response.body.error_description, "string");
  }
  assert.equal(await snapshot(), before);
});

test("SQL metacharacters and unusual unicode are stored verbatim", async () => {
  const name = "Robert'); DROP TABLE users;-- \u202e\u{1F600} \u0301e";
  const created = await api.call("POST", "/api/v2/organizations", { json: { name } });
  assert.equal(created.status, 201);
  assert.equal(created.body.name, name.trim());
  const fetched = await api.call("GET", `/api/v2/organizations/${created.body.domain}`);
  assert.equal(fetched.body.name, name.trim());
  assert.ok((await api.stored(org, "users")).length >= 1, "the users table is still there");
});

function forge(payload, key) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(payload)}`;
  return `${unsigned}.${createHmac("sha256", Buffer.from(key, "base64")).update(unsigned).digest("base64url")}`;
}

test("expired, forged and algorithm-switched tokens are refused", async () => {
  const claims = JSON.parse(Buffer.from(api.token.split(".")[1], "base64url"));
  const now = Math.floor(Date.now() / 1000);
  const key = api.secrets.TOKEN_SIGNING_KEY;
  assert.equal((await api.call("GET", "/api/v2/organizations", { token: forge({ ...claims, iat: now, exp: now + 60 }, key) })).status, 200);
  const expired = forge({ ...claims, iat: now - 3600, exp: now - 1800 }, key);
  assert.equal((await api.call("GET", "/api/v2/organizations", { token: expired })).status, 401);
  const otherKey = forge({ ...claims, exp: now + 60 }, Buffer.alloc(32, 7).toString("base64"));
  assert.equal((await api.call("GET", "/api/v2/organizations", { token: otherKey })).status, 401);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${api.token.split(".")[1]}.`;
  assert.equal((await api.call("GET", "/api/v2/organizations", { token: none })).status, 401);
  const otherAccount = forge({ ...claims, acc: "someone-else", exp: now + 60 }, key);
  assert.equal((await api.call("GET", "/api/v2/organizations", { token: otherAccount })).status, 401);
});

test("50 simultaneous validations of one code and 50 uses of one recovery code: one success each", async () => {
  // Computed when used (the enrollment was several tests ago): newer than its step, in the window.
  const code = codeAtStep(secret, currentStep() + 1);
  const totp = await Promise.all(Array.from({ length: 50 }, () =>
    api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } })));
  // max_attempts 20: one success, then 20 refused replays, the 20th of which starts a backoff
  // that turns the remaining 29 away with 429.
  assert.deepEqual(outcomes(totp), { success: 1, refused: 20, throttled: 29, other: [] });
  // Another user: the 49 losers above were counted as failures and locked the first one.
  const second = await api.enrolledUser(org, "r@hostile.test");
  const recovery = await Promise.all(Array.from({ length: 50 }, () =>
    api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${second.user}`, { json: { code: second.recoveryCodes[0] } })));
  assert.deepEqual(outcomes(recovery), { success: 1, refused: 20, throttled: 29, other: [] });
  const left = (await api.stored(org, "recovery_codes")).filter((row) => row.user_id === second.user && row.used_at === null);
  assert.equal(left.length, 4);
});

test("concurrent enrollments of one user leave one consistent factor", async () => {
  const other = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "c@hostile.test" } } })).body.id;
  const results = await Promise.all(Array.from({ length: 10 }, () =>
    api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: other, force_enroll: true } })));
  assert.ok(results.every((r) => r.status === 201));
  const factor = (await api.stored(org, "factors")).find((row) => row.user_id === other);
  assert.equal(factor.generation, 10);
  const codes = (await api.stored(org, "recovery_codes")).filter((row) => row.user_id === other);
  assert.equal(codes.length, 5, "exactly one enrollment's recovery codes remain");
  // Exactly one of the answered secrets is the one stored: only its codes validate.
  const now = currentStep();
  const accepted = [];
  for (const r of results) {
    const check = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${other}`, { json: { code: codeAtStep(r.body.secret, now) } });
    if (check.body.success) accepted.push(r.body.secret);
    if (check.status === 409) break;
  }
  assert.equal(accepted.length, 1);
});

test("alternating wrong recovery codes and wrong TOTP codes share one failure count", async () => {
  const victim = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "v@hostile.test" } } })).body.id;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { max_attempts: 4 } });
  try {
    const { secret: victimSecret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: victim } })).body;
    const now = currentStep();
    await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${victim}`, { json: { code: codeAtStep(victimSecret, now) } });
    const guesses = ["000000", "aaaa-bbbb-cccc-dddd", "111111", "eeee-ffff-gggg-hhhh", "222222"];
    const statuses = [];
    for (const code of guesses) {
      statuses.push((await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${victim}`, { json: { code } })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
  } finally {
    // Shared by the other tests of this file: restored even when this one fails.
    await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { max_attempts: 20 } });
  }
});

test("credentials are checked before the body is read", async () => {
  const huge = "x".repeat(20_000);
  const cases = [
    ["POST", `/api/v2/org/${org}/users`, "Bearer not-a-token", huge],
    ["POST", `/api/v2/org/${org}/users`, "Bearer not-a-token", "{ not json"],
    ["POST", "/admin/accounts", "Bearer not-the-operator-token", huge],
  ];
  for (const [method, path, authorization, body] of cases) {
    const response = await api.worker.fetch(path, { method, headers: { authorization, "content-type": "application/json" }, body });
    assert.equal(response.status, 401, `${method} ${path}: ${await response.text()}`);
  }
});

test("a body without Content-Length is refused as soon as it passes 16 KiB", async () => {
  // Over real HTTP (chunked), writing until the server answers or cuts the connection: one that
  // buffered the whole body first would answer only after the last of 64 MiB. The Worker's log
  // line says what it answered (the client may see a reset before it can read the 413).
  const lines = [];
  const listening = await startApi({ listen: true, onLog: (chunk) => lines.push(chunk.toString()) });
  try {
    await listening.bootstrap("chunked-co");
    const target = (await listening.call("POST", "/api/v2/organizations", { json: { name: "Chunked" } })).body.domain;
    const url = new URL(`${listening.worker.url}/api/v2/org/${target}/users`);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const limit = 1024; // chunks: 64 MiB
    let sent = 0;
    const outcome = await new Promise((resolve) => {
      let done = false;
      const finish = (result) => { if (!done) { done = true; resolve(result); } };
      const req = httpRequest(url, {
        method: "POST",
        headers: { authorization: `Bearer ${listening.token}`, "content-type": "application/json", "transfer-encoding": "chunked" },
      }, (res) => {
        // Read to the end when it comes, so the answer is checked against the document too.
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (part) => { text += part; });
        res.on("end", () => listening.logRaw("POST", url.pathname, res, text));
        finish({ status: res.statusCode });
      });
      req.on("error", (error) => finish({ error: error.code }));
      const write = () => {
        while (!done && sent < limit) {
          sent++;
          if (!req.write(chunk)) return req.once("drain", write);
        }
        req.end();
      };
      write();
    });
    assert.ok(sent < limit, `all ${sent * 64} KiB were sent before the answer (${JSON.stringify(outcome)})`);
    if (outcome.status !== undefined) assert.equal(outcome.status, 413);
    else assert.match(outcome.error, /^(ECONNRESET|EPIPE)$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(lines.join(""), / POST createUser 413 d1=/, "the Worker did not answer 413");
  } finally {
    await listening.dispose();
  }
});

test("concurrent connection updates never undo each other", async () => {
  const connection = `/api/v2/org/${org}/totp-connection`;
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all([
      api.call("PUT", connection, { json: { active: false } }),
      ...Array.from({ length: 19 }, (_, i) => api.call("PUT", connection, { json: { issuer: `Hostile ${round}-${i}` } })),
    ]);
    assert.ok(answers.every((answer) => answer.status === 200));
    const after = (await api.call("GET", connection)).body;
    assert.equal(after.active, false, "a deactivation answered 200 was undone");
    assert.match(after.issuer, new RegExp(`^Hostile ${round}-`));
    await api.call("PUT", connection, { json: { active: true, max_attempts: 20 } });
  }
});
