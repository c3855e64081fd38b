// Webhooks on workerd, delivered through Miniflare's Cloudflare Queues to a receiver on
// 127.0.0.1 that verifies each request with the `standardwebhooks` package (npm): every event
// type arrives once with a valid signature; a receiver answering 500 twice gets the event on the
// third try with the same webhook-id; a rotated secret's old and new signatures both verify;
// and no body holds a secret, a code or an email. The slow cases have files of their own:
// webhook-dead-letters (a receiver that never answers) and webhook-outbox (kill -9). The test clock runs the rules that span days (recovery codes); deliveries run on real
// time, with quick retries (WEBHOOK_RETRY_SECONDS=1, tests/support/worker.mjs).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { startReceiver } from "../support/receiver.mjs";
import { codeAtStep } from "../support/totp.mjs";

const T0 = 1_950_000_000;
const DAY = 86_400;
let api, keys, org, receiver;
const shown = []; // every secret, code and token the API handed out, for the payload scan
before(async () => {
  receiver = await startReceiver();
  api = await startApi({ testClock: true });
  api.now = T0;
  keys = await api.bootstrap("hooks-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Hooks Org" } })).body.domain;
});
after(async () => {
  await api?.dispose();
  await receiver?.close();
});

const path = (tail) => `/api/v2/org/${org}${tail}`;
const code = (secret) => codeAtStep(secret, Math.floor(api.now / 30));
async function travel(now) {
  api.now = now;
  api.token = await api.tokenFor("hooks-co", keys.sandbox);
}
async function endpoint(tail, body = {}) {
  const created = await api.call("POST", path("/webhooks"), { json: { url: `${receiver.base}${tail}`, ...body } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  receiver.secrets[tail] = created.body.secret;
  shown.push(created.body.secret);
  return created.body;
}
async function user(email) {
  return (await api.call("POST", path("/users"), { json: { profile: { email } } })).body.id;
}
const deliveries = async (id) => (await api.call("GET", path(`/webhooks/${id}/deliveries`))).body.data;

test("every event type arrives once, signed, and no body holds a secret, a code or an email", async () => {
  const all = await endpoint("/ok");
  assert.match(all.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(all.event_types.length, 13);
  const listed = JSON.stringify((await api.call("GET", path("/webhooks"))).body);
  assert.ok(!listed.includes(all.secret.slice(6)), "a secret is shown once");

  await api.call("PUT", path("/totp-connection"), {
    json: { active: true, enforcement: "required", enrollment_grace_days: 7, trusted_device_days: 30 },
  });
  const id = await user("hooked@hooks.test");
  const enrolled = (await api.call("POST", path("/totp-enrollment"), { json: { user_id: id } })).body;
  shown.push(enrolled.secret, ...enrolled.recovery_codes.split("\n"));
  shown.push(code(enrolled.secret));
  await api.call("PUT", path(`/totp-enrollment/validation/${id}`), { json: { code: code(enrolled.secret) } });
  await api.call("PATCH", path(`/users/${id}/factors/${enrolled.factor_id}`), { json: { friendly_name: "Phone" } });
  api.now += 30;
  const remembered = await api.call("POST", path(`/totp-challenge/validation/${id}`), {
    json: { code: code(enrolled.secret), remember_device: true },
  });
  shown.push(remembered.body.device_token);
  await api.call("DELETE", path(`/users/${id}/trusted-devices`));
  for (let n = 0; n < 5; n++) {
    await api.call("POST", path(`/totp-challenge/validation/${id}`), { json: { code: "000000" } });
  }
  const codes = enrolled.recovery_codes.split("\n");
  for (let n = 0; n < 4; n++) {
    await travel(api.now + DAY);
    const used = await api.call("POST", path(`/totp-challenge/validation/${id}`), { json: { code: codes[n] } });
    assert.equal(used.body.recovery_code_used, true, JSON.stringify(used.body));
  }
  api.now += 30;
  const regenerated = await api.call("POST", path(`/totp-recovery-codes/${id}`), { json: { code: code(enrolled.secret) } });
  assert.equal(regenerated.body.success, true, JSON.stringify(regenerated.body));
  shown.push(...regenerated.body.recovery_codes.split("\n"));
  const added = (await api.call("POST", path("/totp-enrollment"), { json: { user_id: id, add_factor: true } })).body;
  shown.push(added.secret);
  await api.call("DELETE", path(`/users/${id}/factors/${added.factor_id}`));
  await api.call("DELETE", path(`/users/${id}`));

  const expected = [
    "connection.updated", "mfa_policy.updated", "factor.enrolled", "factor.activated", "factor.renamed",
    "trusted_device.created", "trusted_devices.revoked", "user.locked", "recovery_code.used",
    "recovery_codes.low", "recovery_codes.regenerated", "factor.removed", "user.deleted",
  ];
  const types = () => new Set(receiver.at("/ok").map((r) => r.payload?.type));
  await receiver.until(() => expected.every((type) => types().has(type)), 30_000, "every event type");
  const got = receiver.at("/ok");
  assert.ok(got.every((r) => r.verified), "every signature verifies with standardwebhooks");
  const ids = got.map((r) => r.headers["webhook-id"]);
  assert.equal(new Set(ids).size, ids.length, "each message once");
  const count = (type) => got.filter((r) => r.payload.type === type).length;
  assert.deepEqual([count("recovery_code.used"), count("recovery_codes.low"), count("user.locked")], [4, 1, 1]);
  const low = got.find((r) => r.payload.type === "recovery_codes.low").payload;
  assert.deepEqual([low.data.user_id, low.data.recovery_codes_remaining], [id, 1]);
  const locked = got.find((r) => r.payload.type === "user.locked").payload;
  assert.equal(locked.data.hard_lock, false);
  assert.ok(locked.data.until > T0, JSON.stringify(locked));
  // The scan sees what it looks for: the user's id is in the bodies; nothing handed out is.
  const bodies = got.map((r) => r.body).join("\n");
  assert.ok(bodies.includes(id));
  for (const secret of shown.filter(Boolean)) assert.ok(!bodies.includes(secret), `a body holds ${secret.slice(0, 6)}…`);
  assert.ok(!bodies.includes("hooked@hooks.test") && !bodies.includes("whsec_"), "no email, no signing secret");
  assert.deepEqual(
    (await deliveries(all.id)).filter((d) => d.outcome !== "delivered"),
    [],
    "each delivered at its first attempt",
  );
});

test("a receiver answering 500 twice gets the event on the third try, with the same webhook-id", async () => {
  const flaky = await endpoint("/flaky/2", { event_types: ["user.deleted"] });
  await api.call("DELETE", path(`/users/${await user("flaky@hooks.test")}`));
  await receiver.until(() => receiver.at("/flaky/2").length >= 3, 30_000, "three attempts");
  const attempts = receiver.at("/flaky/2");
  assert.equal(new Set(attempts.map((r) => r.headers["webhook-id"])).size, 1, "one webhook-id");
  assert.ok(attempts.every((r) => r.verified));
  assert.ok(attempts[2].at - attempts[1].at >= attempts[1].at - attempts[0].at, "the wait grows");
  let listed = [];
  for (let n = 0; n < 50 && listed.length < 3; n++) {
    listed = await deliveries(flaky.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(
    listed.map((d) => [d.attempt, d.status, d.outcome]).reverse(),
    [[1, 500, "retrying"], [2, 500, "retrying"], [3, 204, "delivered"]],
  );
  assert.ok(listed.every((d) => d.latency_ms >= 0 && !("body" in d)));
});

test("a rotated secret's old and new signatures both verify for 24 hours", async () => {
  const rotating = await endpoint("/ok/rotating", { event_types: ["user.deleted"] });
  const rotated = await api.call("POST", path(`/webhooks/${rotating.id}/rotate-secret`));
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.secret, rotating.secret);
  assert.equal(rotated.body.previous_secret_expires_at, api.now + DAY);
  await api.call("DELETE", path(`/users/${await user("rotated@hooks.test")}`));
  await receiver.until(() => receiver.at("/ok/rotating").length >= 1);
  const [request] = receiver.at("/ok/rotating");
  assert.equal(request.headers["webhook-signature"].split(" ").length, 2);
  const { Webhook } = await import("standardwebhooks");
  for (const secret of [rotating.secret, rotated.body.secret]) {
    assert.doesNotThrow(() => new Webhook(secret).verify(request.body, request.headers), "each secret verifies");
  }
  assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32).toString("base64")}`).verify(request.body, request.headers));
});

test("endpoints: https only (loopback http locally), checked fields, a disabled one gets nothing", async () => {
  const refused = await api.call("POST", path("/webhooks"), { json: { url: "http://hooks.example.com/x" } });
  assert.deepEqual([refused.status, refused.body.field], [422, "url"]);
  const unknown = await api.call("POST", path("/webhooks"), { json: { url: "https://hooks.example.com/x", event_types: ["user.unlocked"] } });
  assert.deepEqual([unknown.status, unknown.body.field], [422, "event_types"]);
  const off = await endpoint("/ok/off", { event_types: ["user.deleted"], enabled: false });
  assert.equal(off.enabled, false);
  const missing = await api.call("GET", path("/webhooks/nope"));
  assert.deepEqual([missing.status, missing.body.code], [404, "webhook_not_found"]);
  await api.call("DELETE", path(`/users/${await user("off@hooks.test")}`));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(receiver.at("/ok/off").length, 0);
  assert.equal((await api.call("DELETE", path(`/webhooks/${off.id}`))).status, 204);
});
