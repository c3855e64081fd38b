// Idempotency-Key on the creating POSTs, on workerd: a retry gets the same answer marked as a
// replay and nothing runs twice; another body under the key is refused; a key is scoped to its
// account, environment and route; validations refuse the header; answers go after 24 hours.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";

const T0 = 1_900_000_000;
let api, keys, org;
const logs = [];
before(async () => {
  api = await startApi({ testClock: true, onLog: (chunk) => logs.push(chunk.toString()) });
  api.now = T0;
  keys = await api.bootstrap("idem-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Idem" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
});
after(() => api?.dispose());

const keyed = (key, method, path, options) => api.call(method, path, { ...options, headers: { "idempotency-key": key } });
const factor = async (user) => (await api.stored(org, "factors")).find((row) => row.user_id === user);

test("a retried enrollment returns the same URI and recovery codes, and the factor moved once", async () => {
  const user = (await keyed("user-1", "POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "idem@idem.test" } } })).body.id;
  const first = await keyed("enroll-1", "POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  assert.equal(first.status, 201);
  assert.equal(first.headers.get("idempotent-replayed"), null);
  // The retry, as form fields this time: the same fields are the same request.
  const retry = await keyed("enroll-1", "POST", `/api/v2/org/${org}/totp-enrollment`, { form: { user_id: user } });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get("idempotent-replayed"), "true");
  assert.deepEqual(retry.body, first.body);
  assert.equal((await factor(user)).generation, 1);
  const kept = JSON.stringify(await api.stored(org, "idempotency"));
  assert.ok(!kept.includes(first.body.secret), "the kept answer is sealed");
  // The same key with another body is refused, naming the header; nothing runs.
  const other = await keyed("enroll-1", "POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, force_enroll: true } });
  assert.equal(other.status, 422);
  assert.match(other.body.error_description, /^Idempotency-Key /);
  assert.equal((await factor(user)).generation, 1);
  // A day later the key is forgotten: the same request runs again.
  api.now = T0 + 86_401;
  api.token = await api.tokenFor("idem-co", keys.sandbox);
  const later = await keyed("enroll-1", "POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  assert.equal(later.headers.get("idempotent-replayed"), null);
  assert.notEqual(later.body.secret, first.body.secret);
  assert.deepEqual(await api.stored(org, "idempotency").then((rows) => rows.filter((row) => row.created_at < T0 + 86_400)), []);
  api.now = T0;
  api.token = await api.tokenFor("idem-co", keys.sandbox);
});

test("20 concurrent requests with one key have one effect", async () => {
  const users = await Promise.all(Array.from({ length: 20 }, () => keyed("user-race", "POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "race@idem.test" } } })));
  assert.deepEqual([...new Set(users.map((r) => r.status))], [201], JSON.stringify(users.map((r) => [r.status, r.body])));
  assert.equal(new Set(users.map((r) => r.body.id)).size, 1);
  assert.equal(users.filter((r) => r.headers.get("idempotent-replayed") === "true").length, 19);

  const orgs = await Promise.all(Array.from({ length: 20 }, () => keyed("org-race", "POST", "/api/v2/organizations", { json: { name: "Raced" } })));
  const created = orgs.filter((r) => r.status === 201);
  const running = orgs.filter((r) => r.status === 409);
  assert.equal(created.length + running.length, 20, JSON.stringify(orgs.map((r) => [r.status, r.body])));
  // Exactly one request ran; every other 201 is a replay of its answer, every 409 met it running.
  assert.equal(created.filter((r) => r.headers.get("idempotent-replayed") === null).length, 1);
  assert.ok(running.every((r) => r.body.error === "conflict"), JSON.stringify(running.map((r) => r.body)));
  assert.equal(new Set(created.map((r) => r.body.id)).size, 1, "one organization");
  const all = (await api.call("GET", "/api/v2/organizations?per_page=100")).body.data;
  assert.equal(all.filter((o) => o.name === "Raced").length, 1);
  // Once it has answered, every retry is a replay.
  const retry = await keyed("org-race", "POST", "/api/v2/organizations", { json: { name: "Raced" } });
  assert.deepEqual([retry.status, retry.headers.get("idempotent-replayed"), retry.body.id], [201, "true", created[0].body.id]);
});

test("a key is not visible to another account or environment, nor on another route", async () => {
  const first = await keyed("shared", "POST", "/api/v2/organizations", { json: { name: "Scoped" } });
  const sandboxToken = api.token;
  api.token = await api.tokenFor("idem-co", keys.production);
  const production = await keyed("shared", "POST", "/api/v2/organizations", { json: { name: "Scoped" } });
  await api.bootstrap("other-co");
  const otherAccount = await keyed("shared", "POST", "/api/v2/organizations", { json: { name: "Scoped" } });
  api.token = sandboxToken;
  for (const answer of [production, otherAccount]) {
    assert.equal(answer.status, 201);
    assert.equal(answer.headers.get("idempotent-replayed"), null);
    assert.notEqual(answer.body.id, first.body.id);
  }
  const user = await keyed("shared", "POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "scoped@idem.test" } } });
  assert.deepEqual([user.status, user.headers.get("idempotent-replayed")], [201, null]);
});

test("validations refuse the header before counting anything, and a bad key is a 422 naming it", async () => {
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "validate@idem.test" } } })).body.id;
  await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  const attempts = [
    ["PUT", `totp-enrollment/validation/${user}`],
    ["POST", `totp-challenge/validation/${user}`],
    ["POST", `totp-recovery-codes/${user}`],
  ];
  for (const [method, path] of attempts) {
    const refused = await keyed("v-1", method, `/api/v2/org/${org}/${path}`, { json: { code: "123456" } });
    assert.equal(refused.status, 422, path);
    assert.match(refused.body.error_description, /^Idempotency-Key is not accepted on validations/);
  }
  const guard = (await api.stored(org, "guards")).find((row) => row.user_id === user);
  assert.equal(guard.failures, 0, "nothing was counted");
  const bad = await keyed("has space", "POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  assert.deepEqual([bad.status, bad.body.error_description], [422, "Idempotency-Key must be 1 to 255 visible ASCII characters"]);
});

test("an SMS challenge retried with its key hands out the same code, which works once", async () => {
  const sms = (await api.call("POST", "/api/v2/organizations", { json: { name: "Idem SMS" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${sms}/totp-connection`, { json: { active: true, method: "sms" } });
  const user = (await api.call("POST", `/api/v2/org/${sms}/users`, { json: { profile: { email: "sms@idem.test" } } })).body.id;
  const enrollment = (await api.call("POST", `/api/v2/org/${sms}/totp-enrollment`, { json: { user_id: user } })).body;
  await api.call("PUT", `/api/v2/org/${sms}/totp-enrollment/validation/${user}`, { json: { code: enrollment.code } });
  const first = await keyed("sms-1", "POST", `/api/v2/org/${sms}/totp-challenge/${user}`);
  const retry = await keyed("sms-1", "POST", `/api/v2/org/${sms}/totp-challenge/${user}`);
  assert.deepEqual([retry.headers.get("idempotent-replayed"), retry.body.code, retry.body.id], ["true", first.body.code, first.body.id]);
  const check = (code) => api.call("POST", `/api/v2/org/${sms}/totp-challenge/validation/${user}`, { json: { code } });
  assert.equal((await check(first.body.code)).body.success, true);
  assert.equal((await check(first.body.code)).body.success, false);
});

test("every kept answer scheduled its deletion: no alarm failed to be set", () => {
  const text = logs.join("");
  assert.match(text, / enroll 201 /, "the Worker's request lines were captured");
  assert.doesNotMatch(text, /expiry failed|deleting expired answers failed/);
});

test("the object's alarm deletes the answers kept over 24 hours and keeps the younger ones", async () => {
  const start = T0 + 10_000_000;
  api.now = start;
  api.token = await api.tokenFor("idem-co", keys.sandbox);
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Idem Alarm" } })).body;
  const create = (key, email) => keyed(key, "POST", `/api/v2/org/${org.domain}/users`, { json: { profile: { email } } });
  const older = await create("alarm-old", "old@alarm.test");
  api.now = start + 100;
  const younger = await create("alarm-young", "young@alarm.test");
  const kept = async () => (await api.stored(org.domain, "idempotency")).map((row) => row.subject).sort();
  assert.deepEqual(await kept(), [older.body.id, younger.body.id].sort());
  // The runtime fires the alarm at its time; the test build fires it at the test's time
  // (a route of that build only, outside the API and its document).
  const fire = async (now) => {
    const response = await api.worker.fetch(`/admin/organizations/${org.id}/alarm`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.secrets.OPERATOR_TOKEN}`, "x-test-now": String(now) },
    });
    assert.equal(response.status, 200, await response.text());
  };
  await fire(start + 86_400);
  assert.equal((await kept()).length, 2, "24 hours to the second: both still kept");
  await fire(start + 86_401);
  assert.deepEqual(await kept(), [younger.body.id]);
  await fire(start + 100 + 86_401);
  assert.deepEqual(await kept(), []);
  api.now = T0;
  api.token = await api.tokenFor("idem-co", keys.sandbox);
});
