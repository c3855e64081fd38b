// What an integrator branches on, on workerd: why a validation failed, a code per cause of an
// error, when to retry, and client credentials as OAuth clients send them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, keys, org;
before(async () => {
  api = await startApi();
  keys = await api.bootstrap("integrator-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Integrator Org" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
});
after(() => api?.dispose());

const token = (init) => api.call("POST", "/oauth/token", { token: null, ...init });
const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

test("client credentials in HTTP Basic, the account taken from the key, never both methods", async () => {
  const { client_id, client_secret } = keys.sandbox;
  const viaBasic = await token({ headers: { authorization: basic(client_id, client_secret) }, form: { grant_type: "client_credentials" } });
  assert.equal(viaBasic.status, 200, JSON.stringify(viaBasic.body));
  const withoutDomain = await token({ json: { grant_type: "client_credentials", client_id, client_secret } });
  assert.equal(withoutDomain.status, 200, JSON.stringify(withoutDomain.body));
  const listed = await api.call("GET", "/api/v2/organizations", { token: withoutDomain.body.access_token });
  assert.deepEqual(listed.body.data.map((o) => o.domain), [org], "the key's own account and environment");

  const both = await token({
    headers: { authorization: basic(client_id, client_secret) },
    json: { grant_type: "client_credentials", client_id, client_secret },
  });
  assert.deepEqual([both.status, both.body.error, both.body.code], [400, "invalid_request", "two_client_authentications"]);
  const wrong = await token({ headers: { authorization: basic(client_id, "wrong") }, form: { grant_type: "client_credentials" } });
  assert.deepEqual([wrong.status, wrong.body.error, wrong.body.code], [401, "invalid_client", "invalid_client_credentials"]);
  const broken = await token({ headers: { authorization: "Basic !!!" }, form: { grant_type: "client_credentials" } });
  assert.deepEqual([broken.status, broken.body.code], [401, "invalid_client_credentials"]);
  const otherAccount = await token({ json: { grant_type: "client_credentials", domain: "someone-else", client_id, client_secret } });
  assert.equal(otherAccount.status, 401, "a domain that is not the key's account is refused");
});

test("each cause of a 404 or a 409 has its own code", async () => {
  const missingOrg = await api.call("GET", "/api/v2/org/no-such-org/users");
  assert.deepEqual([missingOrg.status, missingOrg.body.error, missingOrg.body.code], [404, "not_found", "organization_not_found"]);
  const missingUser = await api.call("POST", `/api/v2/org/${org}/totp-challenge/no-such-user`);
  assert.deepEqual([missingUser.status, missingUser.body.code], [404, "user_not_found"]);
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "codes@integrator.test" } } })).body.id;
  const notEnrolled = await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  assert.deepEqual([notEnrolled.status, notEnrolled.body.error, notEnrolled.body.code], [404, "not_found", "not_enrolled"]);
  await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  const pending = await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  assert.deepEqual([pending.status, pending.body.error, pending.body.code], [409, "conflict", "enrollment_pending"]);
  const noRoute = await api.call("GET", "/no/such/route");
  assert.deepEqual([noRoute.status, noRoute.body.code], [404, "route_not_found"]);
});

test("a failed validation says why; codes as apps show them are read; other shapes are a 422 that does not count", async () => {
  const { user, secret, step } = await api.enrolledUser(org, "reasons@integrator.test");
  const validate = (code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } });
  // Enrolled with this step's code: logging in at once with it is the same step again.
  const again = await validate(codeAtStep(secret, step));
  assert.deepEqual([again.body.success, again.body.reason, again.body.failed_attempts], [false, "code_already_used", 1]);
  const malformed = await validate("12345");
  assert.deepEqual([malformed.status, malformed.body.code, malformed.body.field], [422, "invalid_field", "code"]);
  const next = codeAtStep(secret, Math.max(step, currentStep()) + 1);
  const wrong = await validate(next.replace(/\d$/, (d) => String((Number(d) + 1) % 10)));
  assert.deepEqual([wrong.body.success, wrong.body.reason, wrong.body.failed_attempts], [false, "invalid_code", 2], "the 422 was not counted");
  const grouped = await validate(`${next.slice(0, 3)} ${next.slice(3)}`);
  assert.deepEqual([grouped.body.success, "reason" in grouped.body], [true, false]);
});

test("a 429 says when to retry in its body as in Retry-After", async () => {
  const { user, secret, step } = await api.enrolledUser(org, "throttled@integrator.test");
  const wrongCode = codeAtStep(secret, step + 40).replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  let refused;
  for (let attempt = 0; attempt < 10 && refused === undefined; attempt++) {
    const answer = await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: wrongCode } });
    if (answer.status === 429) refused = answer;
  }
  assert.ok(refused, "no 429 after ten wrong codes");
  assert.equal(refused.body.code, "too_many_attempts");
  assert.equal(String(refused.body.retry_after), refused.headers.get("retry-after"));
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(refused.body.locked_until - (now + refused.body.retry_after)) <= 2, JSON.stringify(refused.body));
});

test("a user's enrollment reads as none, pending or active; a mistyped id is a 404, not \"not enrolled\"", async () => {
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "status@integrator.test" } } })).body.id;
  const status = async () => (await api.call("GET", `/api/v2/org/${org}/totp-enrollment/${user}`)).body;
  assert.deepEqual(
    await status(),
    { user_id: user, status: "none", created_at: null, last_used_at: null, reenrollment_pending: false, active_factors: 0, reenrollment_required: false, recovery_codes_remaining: 0, failed_attempts: 0, locked_until: null, locked: false },
  );
  const enrollment = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  const pending = await status();
  assert.deepEqual([pending.status, pending.method, pending.last_used_at], ["pending", "totp_app", null]);
  assert.ok(Math.abs(pending.created_at - Date.now() / 1000) < 60, JSON.stringify(pending));
  assert.ok(!JSON.stringify(pending).includes(enrollment.secret), "never the secret");
  const step = currentStep();
  await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(enrollment.secret, step) } });
  const active = await status();
  assert.deepEqual([active.status, active.recovery_codes_remaining], ["active", 5]);
  assert.ok(active.last_used_at >= pending.created_at);
  const mistyped = await api.call("GET", `/api/v2/org/${org}/totp-enrollment/${user}x`);
  assert.deepEqual([mistyped.status, mistyped.body.code], [404, "user_not_found"]);
});
