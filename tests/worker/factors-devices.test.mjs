// An MFA policy per organization, several named factors per user and trusted devices, on
// workerd through the API, with the test clock for grace periods and expiries. An integrator
// who sets none of them sees the guide's flow unchanged (guide.test.mjs).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep } from "../support/totp.mjs";

const T0 = 1_900_000_020;
const DAY = 86_400;
let api, keys, org;
before(async () => {
  api = await startApi({ testClock: true });
  api.now = T0;
  keys = await api.bootstrap("factors-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Factors Org" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
});
after(() => api?.dispose());

const at = (now) => Math.floor(now / 30);
/** Moves the test clock to `now`, with a fresh access token (tokens live minutes). */
async function travel(now) {
  api.now = now;
  api.token = await api.tokenFor("factors-co", keys.sandbox);
}
const code = (secret, now = api.now) => codeAtStep(secret, at(now));
const path = (tail) => `/api/v2/org/${org}${tail}`;
const newUser = async (email) => (await api.call("POST", path("/users"), { json: { profile: { email } } })).body;
const validate = (user, body) => api.call("POST", path(`/totp-challenge/validation/${user}`), { json: body });

/** A user with a validated first factor, enrolled at api.now. */
async function activeUser(email) {
  const user = (await newUser(email)).id;
  const enrolled = (await api.call("POST", path("/totp-enrollment"), { json: { user_id: user } })).body;
  const validated = await api.call("PUT", path(`/totp-enrollment/validation/${user}`), { json: { code: code(enrolled.secret) } });
  assert.equal(validated.body.success, true, JSON.stringify(validated.body));
  api.now += 30;
  return { user, secret: enrolled.secret, factorId: enrolled.factor_id, recovery: enrolled.recovery_codes.split("\n") };
}

test("a required policy gives each user a grace period, then refuses with enrollment_required", async () => {
  const before = await newUser("early@factors.test");
  assert.deepEqual(before.mfa, { enrolled: false, required: false, enroll_by: null, active_factors: 0 });
  const updated = await api.call("PUT", path("/totp-connection"), { json: { enforcement: "required", enrollment_grace_days: 7 } });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  assert.deepEqual([updated.body.enforcement, updated.body.enrollment_grace_days], ["required", 7]);
  const enrollBy = api.now + 7 * DAY;
  const read = (await api.call("GET", path(`/users/${before.id}`))).body;
  assert.deepEqual(read.mfa, { enrolled: false, required: true, enroll_by: enrollBy, active_factors: 0 });

  const within = await api.call("POST", path(`/totp-challenge/${before.id}`));
  assert.deepEqual([within.status, within.body.code], [404, "not_enrolled"], "the answer of today within the grace period");
  await travel(enrollBy);
  const past = await api.call("POST", path(`/totp-challenge/${before.id}`));
  assert.deepEqual([past.status, past.body.error, past.body.code], [403, "forbidden", "enrollment_required"]);
  const pastValidation = await validate(before.id, { code: "123456" });
  assert.deepEqual([pastValidation.status, pastValidation.body.code], [403, "enrollment_required"]);

  // A user created now has a grace period of their own; enrollment stays open to everyone.
  const late = await newUser("late@factors.test");
  assert.equal(late.mfa.enroll_by, api.now + 7 * DAY);
  const enrolled = await api.call("POST", path("/totp-enrollment"), { json: { user_id: before.id } });
  assert.equal(enrolled.status, 201);
  await api.call("PUT", path(`/totp-enrollment/validation/${before.id}`), { json: { code: code(enrolled.body.secret) } });
  assert.deepEqual((await api.call("GET", path(`/users/${before.id}`))).body.mfa.enrolled, true);

  const events = (await api.call("GET", path("/audit-events?per_page=100"))).body.data;
  assert.ok(events.some((e) => e.event === "mfa_policy.updated" && e.detail === "enforcement required, grace 7 days"));
  const optional = await api.call("PUT", path("/totp-connection"), { form: { enforcement: "optional" } });
  assert.equal(optional.body.enforcement, "optional");
  const bad = await api.call("PUT", path("/totp-connection"), { json: { enrollment_grace_days: 91 } });
  assert.deepEqual([bad.status, bad.body.field], [422, "enrollment_grace_days"]);
});

test("a second named factor answers challenges, is listed, renamed and removed alone", async () => {
  const { user, secret, factorId } = await activeUser("two@factors.test");
  const added = await api.call("POST", path("/totp-enrollment"), { json: { user_id: user, add_factor: true, friendly_name: "Backup key" } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.deepEqual([added.body.friendly_name, added.body.recovery_codes, added.body.recovery_codes_remaining], ["Backup key", null, 5]);
  assert.notEqual(added.body.factor_id, factorId);
  const proven = await api.call("PUT", path(`/totp-enrollment/validation/${user}`), { json: { code: code(added.body.secret) } });
  assert.deepEqual([proven.body.success, proven.body.factor_id], [true, added.body.factor_id]);
  api.now += 30;

  const listed = (await api.call("GET", path(`/users/${user}/factors`))).body.data;
  assert.deepEqual(listed.map((f) => [f.friendly_name, f.status]), [["Authenticator app", "active"], ["Backup key", "active"]]);
  assert.ok(listed.every((f) => !("secret" in f) && !JSON.stringify(f).includes(secret)));
  const byFirst = await validate(user, { code: code(secret) });
  assert.deepEqual([byFirst.body.success, byFirst.body.factor_id], [true, factorId]);
  api.now += 30;
  const byBackup = await validate(user, { code: code(added.body.secret) });
  assert.deepEqual([byBackup.body.success, byBackup.body.factor_id], [true, added.body.factor_id]);

  const renamed = await api.call("PATCH", path(`/users/${user}/factors/${factorId}`), { json: { friendly_name: "Work phone" } });
  assert.deepEqual([renamed.status, renamed.body.friendly_name], [200, "Work phone"]);
  const blank = await api.call("PATCH", path(`/users/${user}/factors/${factorId}`), { json: { friendly_name: " " } });
  assert.deepEqual([blank.status, blank.body.field], [422, "friendly_name"]);

  const removed = await api.call("DELETE", path(`/users/${user}/factors/${factorId}`));
  assert.equal(removed.status, 204);
  api.now += 30;
  const gone = await validate(user, { code: code(secret) });
  assert.deepEqual([gone.body.success, gone.body.reason], [false, "invalid_code"], "the removed factor's code");
  api.now += 30;
  const kept = await validate(user, { code: code(added.body.secret) });
  assert.equal(kept.body.success, true, "the other factor keeps working");
  const missing = await api.call("DELETE", path(`/users/${user}/factors/${factorId}`));
  assert.deepEqual([missing.status, missing.body.code], [404, "factor_not_found"]);
  const status = (await api.call("GET", path(`/totp-enrollment/${user}`))).body;
  assert.deepEqual([status.status, status.active_factors, status.recovery_codes_remaining], ["active", 1, 5]);
});

test("five factors at most; add_factor refuses force_enroll", async () => {
  const { user } = await activeUser("five@factors.test");
  for (let n = 2; n <= 5; n++) {
    const added = await api.call("POST", path("/totp-enrollment"), { form: { user_id: user, add_factor: "true", friendly_name: `Key ${n}` } });
    assert.equal(added.status, 201, JSON.stringify(added.body));
  }
  const sixth = await api.call("POST", path("/totp-enrollment"), { json: { user_id: user, add_factor: true } });
  assert.deepEqual([sixth.status, sixth.body.code], [409, "factor_limit"]);
  const both = await api.call("POST", path("/totp-enrollment"), { json: { user_id: user, add_factor: true, force_enroll: true } });
  assert.deepEqual([both.status, both.body.field], [422, "add_factor"]);
  const forced = await api.call("POST", path("/totp-enrollment"), { json: { user_id: user, force_enroll: true } });
  assert.equal(forced.status, 201);
  assert.equal((await api.call("GET", path(`/users/${user}/factors`))).body.data.length, 1, "a forced enrollment leaves one");
});

test("a remembered device is verified until it expires or is revoked, its token never stored", async () => {
  await api.call("PUT", path("/totp-connection"), { json: { trusted_device_days: 30, enforcement: "optional" } });
  const { user, secret, recovery } = await activeUser("device@factors.test");
  const remembered = await validate(user, { code: code(secret), remember_device: true, device_name: "Chrome on macOS" });
  assert.equal(remembered.body.success, true, JSON.stringify(remembered.body));
  const token = remembered.body.device_token;
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, "256 bits, base64url");
  assert.equal(remembered.body.device_expires_at, api.now + 30 * DAY);
  const stored = JSON.stringify(await api.stored(org, "trusted_devices"));
  assert.ok(stored.includes("Chrome on macOS"), "the scan sees the stored rows");
  assert.ok(!stored.includes(token), "only a keyed hash of the token is stored");

  const verify = (body) => api.call("POST", path(`/trusted-devices/verify/${user}`), { json: body });
  const verified = await verify({ device_token: token });
  assert.deepEqual(verified.body, { trusted: true, expires_at: remembered.body.device_expires_at, device_id: remembered.body.device_id });
  const listed = (await api.call("GET", path(`/users/${user}/trusted-devices`))).body.data;
  assert.deepEqual(listed.map((d) => [d.name, d.last_used_at]), [["Chrome on macOS", api.now]]);
  assert.ok(!JSON.stringify(listed).includes(token));
  const unknown = await verify({ device_token: "not-a-token" });
  assert.deepEqual(unknown.body, { trusted: false, expires_at: null, device_id: null });
  const other = await activeUser("other-device@factors.test");
  const elsewhere = await api.call("POST", path(`/trusted-devices/verify/${other.user}`), { json: { device_token: token } });
  assert.equal(elsewhere.body.trusted, false, "a token is bound to its user");
  const keyed = await api.call("POST", path(`/trusted-devices/verify/${user}`), { json: { device_token: token }, headers: { "idempotency-key": "v1" } });
  assert.equal(keyed.status, 422, "a kept answer would outlive a revocation");

  // A recovery code revokes every device of the user.
  api.now += 30;
  const recovered = await validate(user, { code: recovery[0], remember_device: true });
  assert.deepEqual([recovered.body.success, recovered.body.recovery_code_used, recovered.body.device_token], [true, true, undefined]);
  assert.equal((await verify({ device_token: token })).body.trusted, false);
  assert.deepEqual((await api.call("GET", path(`/users/${user}/trusted-devices`))).body.data, []);
});

test("devices expire, are revoked one by one or all, and failed verifications are limited apart from the lockout", async () => {
  const { user, secret } = await activeUser("expiry@factors.test");
  const remember = async () => {
    api.now += 30;
    const answer = await validate(user, { code: code(secret), remember_device: true });
    assert.equal(answer.body.success, true);
    return answer.body;
  };
  const first = await remember();
  const second = await remember();
  const verify = (token) => api.call("POST", path(`/trusted-devices/verify/${user}`), { form: { device_token: token } });
  const revoked = await api.call("DELETE", path(`/users/${user}/trusted-devices/${first.device_id}`));
  assert.equal(revoked.status, 204);
  assert.equal((await verify(first.device_token)).body.trusted, false);
  assert.equal((await verify(second.device_token)).body.trusted, true);
  const again = await api.call("DELETE", path(`/users/${user}/trusted-devices/${first.device_id}`));
  assert.deepEqual([again.status, again.body.code], [404, "trusted_device_not_found"]);

  // The revoked token was the first failure of this window: nine more reach the limit of ten.
  for (let n = 0; n < 9; n++) assert.equal((await verify(`guess-${n}`)).body.trusted, false);
  const limited = await verify(second.device_token);
  assert.deepEqual([limited.status, limited.body.code, limited.body.retry_after > 0], [429, "device_verification_limit", true]);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  const status = (await api.call("GET", path(`/totp-enrollment/${user}`))).body;
  assert.equal(status.failed_attempts, 0, "never the user's lockout");
  await travel(api.now + 600);
  assert.equal((await verify(second.device_token)).body.trusted, true, "after the window");
  await travel(second.device_expires_at);
  assert.equal((await verify(second.device_token)).body.trusted, true, "its last second");
  await travel(second.device_expires_at + 1);
  assert.equal((await verify(second.device_token)).body.trusted, false, "expired");

  const all = await api.call("DELETE", path(`/users/${user}/trusted-devices`));
  assert.equal(all.status, 204);
  assert.equal((await verify(second.device_token)).body.trusted, false);
});

test("removing a factor revokes the devices; deleting the user takes them with it", async () => {
  const { user, secret, factorId } = await activeUser("revoke@factors.test");
  const added = (await api.call("POST", path("/totp-enrollment"), { json: { user_id: user, add_factor: true } })).body;
  await api.call("PUT", path(`/totp-enrollment/validation/${user}`), { json: { code: code(added.secret) } });
  api.now += 30;
  const token = (await validate(user, { code: code(secret), remember_device: true })).body.device_token;
  await api.call("DELETE", path(`/users/${user}/factors/${added.factor_id}`));
  const verify = () => api.call("POST", path(`/trusted-devices/verify/${user}`), { json: { device_token: token } });
  assert.equal((await verify()).body.trusted, false);
  api.now += 30;
  const again = (await validate(user, { code: code(secret), remember_device: true })).body;
  assert.ok(again.device_token);
  assert.equal(again.factor_id, factorId);
  await api.call("DELETE", path(`/users/${user}`));
  assert.deepEqual(await api.stored(org, "trusted_devices").then((rows) => rows.filter((r) => r.user_id === user)), []);
});
