// Races, lockout, isolation and the error shape, on workerd.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { outcomes, startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, keys;
before(async () => {
  api = await startApi();
  keys = await api.bootstrap("acme");
});
after(() => api?.dispose());

let orgCount = 0;
/** A fresh organization (active connection) with one validated user. */
async function enrolledUser(connection = {}) {
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: `Race Org ${++orgCount}` } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, ...connection } });
  return { org, ...(await api.enrolledUser(org, `u${orgCount}@acme.test`)) };
}

const validate = (org, user, code) =>
  api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } });

test("20 simultaneous validations of one valid code: exactly one success", async () => {
  const { org, user, secret, step } = await enrolledUser({ max_attempts: 20 });
  const code = codeAtStep(secret, step + 1);
  const results = await Promise.all(Array.from({ length: 20 }, () => validate(org, user, code)));
  // One success; each of the 19 losers is a refused replay, counted as a failure in turn.
  assert.deepEqual(outcomes(results), { success: 1, refused: 19, throttled: 0, other: [] });
  const counted = results.filter((r) => !r.body.success).map((r) => r.body.failed_attempts).sort((a, b) => a - b);
  assert.deepEqual(counted, Array.from({ length: 19 }, (_, i) => i + 1));
});

test("20 simultaneous uses of one recovery code: exactly one success", async () => {
  const { org, user, recoveryCodes } = await enrolledUser({ max_attempts: 20 });
  const results = await Promise.all(Array.from({ length: 20 }, () => validate(org, user, recoveryCodes[0])));
  assert.deepEqual(outcomes(results), { success: 1, refused: 19, throttled: 0, other: [] });
  const used = results.filter((r) => r.body.success && r.body.recovery_code_used);
  assert.equal(used.length, 1, JSON.stringify(results.map((r) => [r.status, r.body])));
  assert.equal(used[0].body.reenrollment_required, true);
  assert.ok(results.every((r) => r.body.success || r.body.recovery_code_used === false));
});

test("20 simultaneous validations of one SMS code: exactly one success", async () => {
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: `Race Org ${++orgCount}` } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, method: "sms", max_attempts: 20 } });
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `sms${orgCount}@acme.test` } } })).body.id;
  const enrollment = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  assert.equal((await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: enrollment.code } })).body.success, true);
  const { code } = (await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`)).body;
  const results = await Promise.all(Array.from({ length: 20 }, () => validate(org, user, code)));
  assert.deepEqual(outcomes(results), { success: 1, refused: 19, throttled: 0, other: [] });
});

test("parallel wrong guesses are all counted and cannot outrun the lockout", async () => {
  const { org, user, secret, step } = await enrolledUser({ max_attempts: 5 });
  const wrong = String((Number(codeAtStep(secret, step)) + 1) % 1e6).padStart(6, "0");
  const results = await Promise.all(Array.from({ length: 30 }, () => validate(org, user, wrong)));
  const checked = results.filter((r) => r.status === 200);
  const throttled = results.filter((r) => r.status === 429);
  assert.equal(checked.length, 5, "only the free attempts were checked");
  assert.equal(throttled.length, 25);
  // LockoutPolicy: the 5th failure locks for 30 s (to the second in rules.test.mjs, which sets
  // the clock; here the wall clock runs, so only the bound is checked).
  const retryAfter = Number(throttled[0].headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
  const stored = (await api.stored(org, "guards")).find((row) => row.user_id === user);
  const left = stored.locked_until - Math.floor(Date.now() / 1000);
  assert.ok(left <= 30, `locked for ${left} s`);
  assert.equal(throttled[0].body.error, "too_many_attempts");
  // A new challenge does not lift the lockout.
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  const afterChallenge = await validate(org, user, codeAtStep(secret, currentStep() + 1));
  assert.equal(afterChallenge.status, 429);
  const guard = (await api.stored(org, "guards")).find((row) => row.user_id === user);
  assert.equal(guard.failures, 5);
});

test("tokens: missing, forged, other-environment and revoked", async () => {
  const noToken = await api.call("GET", "/api/v2/organizations", { token: null });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.error, "unauthorized");
  const [head, body] = api.token.split(".");
  const forged = await api.call("GET", "/api/v2/organizations", { token: `${head}.${body}.AAAA` });
  assert.equal(forged.status, 401);

  await api.call("POST", "/api/v2/organizations", { json: { name: "Sandbox Only" } });
  const production = await api.tokenFor("acme", keys.production);
  const hidden = await api.call("GET", "/api/v2/organizations/sandbox-only", { token: production });
  assert.equal(hidden.status, 404);
  const listed = await api.call("GET", "/api/v2/organizations", { token: production });
  assert.equal(listed.body.total_count, 0);

  const revoked = await api.operator("DELETE", `/admin/accounts/acme/api-keys/${keys.production.client_id}`);
  assert.equal(revoked.status, 200);
  const afterRevoke = await api.call("GET", "/api/v2/organizations", { token: production });
  assert.equal(afterRevoke.status, 401);
});

test("one account never reaches another's organizations", async () => {
  // Its own organization, seen by its owner first, so the 404 below means isolation.
  const owned = (await api.call("POST", "/api/v2/organizations", { json: { name: "Owned Elsewhere" } })).body.domain;
  assert.equal((await api.call("GET", `/api/v2/organizations/${owned}`)).status, 200);
  await api.operator("POST", "/admin/accounts", { json: { domain: "other" } });
  const key = (await api.operator("POST", "/admin/accounts/other/api-keys", { json: { environment: "sandbox" } })).body;
  const token = await api.tokenFor("other", key);
  const response = await api.call("GET", `/api/v2/organizations/${owned}`, { token });
  assert.equal(response.status, 404);
  assert.equal((await api.call("GET", `/api/v2/org/${owned}/users`, { token })).status, 404);
  const wrongDomain = await api.call("POST", "/oauth/token", {
    token: null,
    json: { grant_type: "client_credentials", domain: "acme", client_id: key.client_id, client_secret: key.client_secret },
  });
  assert.equal(wrongDomain.status, 401);
});

test("operator routes need the operator token", async () => {
  const response = await api.call("POST", "/admin/accounts", { json: { domain: "x" } });
  assert.equal(response.status, 401);
});

test("every error has the one JSON shape", async () => {
  const cases = [
    [await api.call("GET", "/nope"), 404, "not_found"],
    [await api.call("DELETE", "/api/v2/organizations"), 405, "method_not_allowed"],
    [await api.call("POST", "/api/v2/organizations", { raw: "x".repeat(20000), headers: { "content-type": "application/json" } }), 413, "payload_too_large"],
    [await api.call("POST", "/api/v2/organizations", { raw: "<a/>", headers: { "content-type": "application/xml" } }), 415, "unsupported_media_type"],
    [await api.call("POST", "/api/v2/organizations", { raw: "[1]", headers: { "content-type": "application/json" } }), 400, "invalid_request"],
    [await api.call("POST", "/api/v2/organizations", { json: { name: "" } }), 422, "unprocessable_entity"],
    [await api.call("GET", "/api/v2/organizations?per_page=100000"), 422, "unprocessable_entity"],
    [await api.call("GET", "/api/v2/organizations?page=-1"), 422, "unprocessable_entity"],
  ];
  for (const [response, status, error] of cases) {
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.equal(response.body.error, error);
    assert.equal(typeof response.body.error_description, "string");
    assert.match(response.headers.get("content-type"), /^application\/json/);
  }
  assert.equal(cases[1][0].headers.get("allow"), "GET, POST");
});

test("a method the router does not name is a 405 with Allow, never served as GET", async () => {
  for (const [path, allow] of [["/health", "GET"], ["/api/v2/organizations", "GET, POST"]]) {
    const answer = await api.call("QUERY", path);
    assert.equal(answer.status, 405, `${path}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.headers.get("allow"), allow);
    assert.equal(answer.body.error, "method_not_allowed");
  }
  assert.equal((await api.call("QUERY", "/nope")).status, 404);
});

test("page is bounded as documented: up to 2^32 - 1", async () => {
  assert.equal((await api.call("GET", "/api/v2/organizations?page=4294967295")).status, 200);
  const beyond = await api.call("GET", "/api/v2/organizations?page=4294967296");
  assert.deepEqual([beyond.status, beyond.body.error_description], [422, "page must be between 1 and 4294967295"]);
});

test("a connection keeps guessing expensive: period and skew outside their bounds are 422s naming the field", async () => {
  const { org } = await enrolledUser();
  const put = (json) => api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json });
  for (const [field, value] of [["period", 300], ["period", 61], ["period", 14], ["skew", 2], ["skew", 10]]) {
    const response = await put({ [field]: value });
    assert.equal(response.status, 422, `${field} ${value}: ${JSON.stringify(response.body)}`);
    assert.match(response.body.error_description, new RegExp(`^${field} must be between`));
  }
  const accepted = await put({ period: 60, skew: 0 });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.deepEqual([accepted.body.period, accepted.body.skew], [60, 0]);
  assert.deepEqual([(await put({ period: 15, skew: 1 })).body.period, (await api.call("GET", `/api/v2/org/${org}/totp-connection`)).body.skew], [15, 1]);
});

test("a whole number written with a zero fraction is that number, as JSON Schema counts integers", async () => {
  const { org } = await enrolledUser();
  const put = (raw) =>
    api.call("PUT", `/api/v2/org/${org}/totp-connection`, { raw, headers: { "content-type": "application/json" } });
  const whole = await put('{"max_attempts": 11.0, "digits": 8.0, "active": 1.0}');
  assert.equal(whole.status, 200, JSON.stringify(whole.body));
  assert.deepEqual([whole.body.max_attempts, whole.body.digits, whole.body.active], [11, 8, true]);
  for (const raw of ['{"max_attempts": 11.5}', '{"max_attempts": -1.0}', '{"max_attempts": 1e300}', '{"active": 0.5}']) {
    const refused = await put(raw);
    assert.equal(refused.status, 422, `${raw}: ${JSON.stringify(refused.body)}`);
  }
});

test("every API answer forbids caching, sniffing, framing and referrers, and asks for HTTPS", async () => {
  const { org, user } = await enrolledUser();
  const answers = [
    await api.call("GET", "/health"),
    await api.call("GET", "/nope"),
    await api.call("GET", "/api/v2/organizations"),
    await api.call("GET", `/api/v2/org/${org}/users/${user}`), // answered by the object
    await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "000000" } }),
    await api.call("GET", "/api/v2/organizations", { token: null }),
    await api.call("POST", "/oauth/token", { token: null, form: { grant_type: "client_credentials" } }),
    await api.call("GET", "/openapi.json", { token: null }),
  ];
  for (const answer of answers) {
    const where = `${answer.method} ${answer.path} (${answer.status})`;
    assert.equal(answer.headers.get("cache-control"), "no-store", where);
    assert.equal(answer.headers.get("x-content-type-options"), "nosniff", where);
    assert.equal(answer.headers.get("referrer-policy"), "no-referrer", where);
    assert.equal(answer.headers.get("content-security-policy"), "frame-ancestors 'none'", where);
    assert.equal(answer.headers.get("x-frame-options"), "DENY", where);
    assert.match(answer.headers.get("strict-transport-security") ?? "", /^max-age=\d{8,}/, where);
  }
});

test("secrets are not stored in clear", async () => {
  const { org, secret, recoveryCodes } = await enrolledUser();
  const dump = JSON.stringify([
    await api.stored(org, "factors"),
    await api.stored(org, "recovery_codes"),
    await api.stored(org, "audit_events"),
    (await api.worker.db.prepare("SELECT * FROM api_keys").all()).results,
  ]);
  assert.ok(!dump.includes(secret));
  for (const code of recoveryCodes) assert.ok(!dump.includes(code) && !dump.includes(code.replaceAll("-", "")));
  assert.ok(!dump.includes(keys.sandbox.client_secret));
});
