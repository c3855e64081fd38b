// The security state belongs to the user, on workerd, as an attacker and an integrator would try
// it: a kept answer is never a read path to a live secret (nor another API key's), and no import,
// removal or new enrollment resets a lockout or lets a code be accepted twice.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep } from "../support/totp.mjs";

const T0 = 1_900_000_020; // the start of a 30-second step
const step = (now) => Math.floor(now / 30);
let api, org, keys, otherKey;
before(async () => {
  api = await startApi({ testClock: true });
  api.now = T0;
  keys = await api.bootstrap("state-co");
  // A second key of the same account and environment, as a second backend would hold.
  otherKey = (await api.operator("POST", "/admin/accounts/state-co/api-keys", { json: { environment: "sandbox" } })).body;
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "State" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
});
after(() => api?.dispose());

const user = async (email) => (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email, phone_number: "+33612345678" } } })).body.id;
const keyed = (key, method, path, options = {}) => api.call(method, path, { ...options, headers: { "idempotency-key": key } });
const enroll = (id, key, token) => keyed(key, "POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: id }, ...(token ? { token } : {}) });
const validateEnrollment = (id, code) => api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${id}`, { json: { code } });
const validate = (id, code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${id}`, { json: { code } });
const importSecret = (id, secret, replace) =>
  api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { replace, factors: [{ user_id: id, otpauth_uri: `otpauth://totp/x:y?secret=${secret}` }] } });
const events = async () => (await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=100`)).body.data;

test("a kept enrollment is replayed only to its own API key, only while pending, and every replay is audited", async () => {
  const id = await user("kept@state.test");
  const first = await enroll(id, `enroll-${id}`);
  assert.equal(first.status, 201);
  const retry = await enroll(id, `enroll-${id}`);
  assert.equal(retry.headers.get("idempotent-replayed"), "true");
  assert.deepEqual(retry.body, first.body);
  const replays = (await events()).filter((e) => e.event === "idempotency.replayed");
  assert.equal(replays.length, 1);
  assert.equal(replays[0].user_id, id);
  assert.equal(replays[0].detail, `POST /api/v2/org/${org}/totp-enrollment`);
  assert.ok(!JSON.stringify(replays).includes(first.body.secret), "never the body");

  // Another API key of the same account and environment: its own request, never this answer.
  const theirs = await enroll(id, `enroll-${id}`, await api.tokenFor("state-co", otherKey));
  assert.equal(theirs.headers.get("idempotent-replayed"), null);
  assert.notEqual(theirs.body.secret, first.body.secret);

  // Validated: the secret is live, and no kept answer holds it any more.
  api.now = T0 + 30;
  const validated = await validateEnrollment(id, codeAtStep(theirs.body.secret, step(api.now)));
  assert.equal(validated.body.success, true, JSON.stringify(validated.body));
  for (const token of [null, await api.tokenFor("state-co", otherKey)]) {
    const later = await enroll(id, `enroll-${id}`, token ?? undefined);
    assert.equal(later.status, 201);
    assert.equal(later.headers.get("idempotent-replayed"), null);
    assert.notEqual(later.body.secret, theirs.body.secret);
    assert.equal(later.body.recovery_codes, null, "no recovery codes handed out again");
  }
  // Removed: nothing kept about the factor survives either.
  await api.call("DELETE", `/api/v2/org/${org}/totp-enrollment/${id}`);
  const kept = (await api.stored(org, "idempotency")).filter((row) => row.subject === id);
  assert.deepEqual(kept, []);
});

test("a profile change forgets the kept answer that quoted the old profile", async () => {
  const created = await keyed("user-phone", "POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "phone@state.test", phone_number: "+33611111111" } } });
  assert.equal(created.status, 201);
  const id = created.body.id;
  await api.call("PATCH", `/api/v2/org/${org}/users/${id}`, { json: { profile: { phone_number: "+33622222222" } } });
  const retry = await keyed("user-phone", "POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "phone@state.test", phone_number: "+33611111111" } } });
  assert.equal(retry.headers.get("idempotent-replayed"), null);
  assert.ok(!JSON.stringify(retry.body).includes("+33611111111"), JSON.stringify(retry.body));
});

test("an import with replace keeps the lockout, and without replace leaves a pending factor alone", async () => {
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { max_attempts: 1 } });
  const id = await user("locked@state.test");
  const { body } = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: id } });
  api.now = T0 + 60;
  assert.equal((await validateEnrollment(id, "000000")).body.failed_attempts, 1);
  const refused = await importSecret(id, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", false);
  assert.equal(refused.body.results[0].error, "the user already has a factor; set replace to change it, or add_factor to add one beside it");
  assert.equal((await validateEnrollment(id, codeAtStep(body.secret, step(api.now)))).status, 429);
  assert.equal((await importSecret(id, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", true)).body.imported, 1);
  const throttled = await validate(id, codeAtStep("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", step(api.now)));
  assert.equal(throttled.status, 429);
  assert.ok(Number(throttled.headers.get("retry-after")) >= 1);
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { max_attempts: 5 } });
});

test("a code accepted once is refused after its secret is imported again", async () => {
  const id = await user("replay@state.test");
  const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
  api.now = T0 + 300;
  assert.equal((await importSecret(id, secret, false)).body.imported, 1);
  const code = codeAtStep(secret, step(api.now));
  assert.equal((await validate(id, code)).body.success, true);
  assert.equal((await validate(id, code)).body.success, false);
  assert.equal((await importSecret(id, secret, true)).body.imported, 1);
  const replayed = await validate(id, code);
  assert.equal(replayed.body.success, false, `the same (secret, step) twice: ${JSON.stringify(replayed.body)}`);
  // Removal and a new enrollment start nothing again either.
  await api.call("DELETE", `/api/v2/org/${org}/totp-enrollment/${id}`);
  const again = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: id } })).body;
  assert.equal((await validateEnrollment(id, "000000")).body.failed_attempts, 3);
  assert.ok(again.secret);
});

test("imported secrets under 80 bits refuse the request; under 128 they are marked weak", async () => {
  const id = await user("weak@state.test");
  const refused = await importSecret(id, "AE", false);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.field, "factors");
  assert.match(refused.body.error_description, /entry 0: .*8 bits/);
  assert.ok(!refused.body.error_description.includes("AE"));
  const weak = await importSecret(id, "AAAAAAAAAAAAAAAA", false);
  assert.deepEqual([weak.body.imported, weak.body.results[0].weak_secret], [1, true]);
});
