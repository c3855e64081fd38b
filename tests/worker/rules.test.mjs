// The factor's rules that span minutes and days, on workerd through the API: the test build of
// the Worker (cargo feature test-clock, never deployed) takes the time from an x-test-now
// header, so these run in milliseconds and never depend on how slow the machine is.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep } from "../support/totp.mjs";

const T0 = 1_900_000_000;
let api, keys, org, users = 0;

before(async () => {
  api = await startApi({ testClock: true });
  api.now = T0;
  keys = await api.bootstrap("rules-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Rules" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 5 } });
});
after(() => api?.dispose());

/** Moves the service's clock to `t`, with a token issued then (tokens live 15 minutes). */
async function at(t) {
  api.now = t;
  api.token = await api.tokenFor("rules-co", keys.sandbox);
}

const step = () => Math.floor(api.now / 30);

/** A new user with a validated factor at the current test time. */
async function enrolled() {
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `r${++users}@rules.test` } } })).body.id;
  const enrollment = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  const validated = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(enrollment.secret, step()) } });
  assert.equal(validated.body.success, true, JSON.stringify(validated.body));
  return { user, secret: enrollment.secret, recoveryCodes: enrollment.recovery_codes.split("\n") };
}

const validate = (user, code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } });

test("the backoff starts after the free attempts, doubles, and stops at one hour", async () => {
  await at(T0);
  const { user } = await enrolled();
  for (let failures = 1; failures <= 4; failures++) {
    assert.equal((await validate(user, "000000")).body.failed_attempts, failures);
  }
  const delays = [];
  let t = api.now;
  for (let failures = 5; failures <= 13; failures++) {
    const failed = await validate(user, "000000");
    assert.equal(failed.body.failed_attempts, failures, JSON.stringify(failed.body));
    const refused = await validate(user, "000000");
    assert.equal(refused.status, 429);
    const delay = Number(refused.headers.get("retry-after"));
    delays.push(delay);
    await at(t += delay);
  }
  assert.deepEqual(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
});

test("a refused attempt one second before the end of the backoff is not counted", async () => {
  await at(T0 + 100_000);
  const { user, secret } = await enrolled();
  for (let i = 0; i < 5; i++) await validate(user, "000000");
  await at(api.now + 29);
  const early = await validate(user, codeAtStep(secret, step()));
  assert.deepEqual([early.status, early.headers.get("retry-after")], [429, "1"]);
  await at(api.now + 1);
  const right = await validate(user, codeAtStep(secret, step()));
  assert.deepEqual(right.body, { success: true, recovery_code_used: false, reenrollment_required: false, failed_attempts: 0, recovery_codes_remaining: 5, factor_id: right.body.factor_id });
  assert.match(right.body.factor_id, /^[0-9a-f-]{36}$/);
});

test("after 100 consecutive failures the factor is locked until a forced enrollment", async () => {
  await at(T0 + 200_000);
  const { user, secret } = await enrolled();
  let t = api.now, failures = 0, locked = null;
  for (let i = 0; i < 300 && !locked; i++) {
    const answer = await validate(user, "000000");
    if (answer.status === 200) failures = answer.body.failed_attempts;
    else if (answer.status === 429) await at(t += Number(answer.headers.get("retry-after")));
    else locked = answer;
  }
  assert.equal(failures, 100);
  assert.equal(locked.status, 403, JSON.stringify(locked.body));
  assert.match(locked.body.error_description, /locked after too many failed attempts/);
  await at(t += 86_400);
  assert.equal((await validate(user, codeAtStep(secret, step()))).status, 403, "even the right code, a day later");
  const forced = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, force_enroll: true } });
  assert.equal(forced.status, 201);
  assert.equal(forced.body.recovery_codes.split("\n").length, 5);
  const validated = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(forced.body.secret, step()) } });
  assert.deepEqual([validated.body.success, validated.body.failed_attempts], [true, 0]);
});

test("five re-enrollments without force, then only a forced one, which resets the count", async () => {
  await at(T0 + 400_000);
  const { user } = await enrolled();
  const enroll = (force) => api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, force_enroll: force } });
  for (let i = 0; i < 5; i++) {
    const again = await enroll(false);
    assert.equal(again.status, 201);
    assert.equal(again.body.recovery_codes, null, "the first codes stay valid");
  }
  const refused = await enroll(false);
  assert.equal(refused.status, 403);
  assert.match(refused.body.error_description, /force_enroll/);
  const forced = await enroll(true);
  assert.equal(forced.status, 201);
  assert.equal(forced.body.recovery_codes.split("\n").length, 5);
  assert.equal((await enroll(false)).status, 201, "the count starts over after a forced enrollment");
});

test("one recovery code per 24 hours", async () => {
  await at(T0 + 600_000);
  const { user, secret, recoveryCodes } = await enrolled();
  const first = await validate(user, recoveryCodes[0]);
  assert.deepEqual([first.body.success, first.body.recovery_code_used, first.body.reenrollment_required], [true, true, true]);
  const start = api.now;
  await at(start + 86_399);
  const early = await validate(user, recoveryCodes[1]);
  assert.deepEqual([early.body.success, early.body.recovery_code_used], [false, false]);
  // The factor keeps working meanwhile, and asks for a re-enrollment on every answer.
  const totp = await validate(user, codeAtStep(secret, step()));
  assert.deepEqual([totp.body.success, totp.body.recovery_code_used, totp.body.reenrollment_required], [true, false, true]);
  await at(start + 86_400);
  const next = await validate(user, recoveryCodes[1]);
  assert.deepEqual([next.body.success, next.body.recovery_code_used], [true, true]);
  await at(start + 10 * 86_400);
  assert.equal((await validate(user, recoveryCodes[0])).body.success, false, "a used code never again");
});

test("a re-enrollment waits beside the active factor until its first code, then replaces it", async () => {
  await at(T0 + 800_000);
  const { user, secret, recoveryCodes } = await enrolled();
  assert.equal((await validate(user, recoveryCodes[0])).body.reenrollment_required, true);
  const again = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  // Abandoned for a day: the active secret keeps answering, the pending one answers nothing.
  await at(api.now + 86_400);
  const old = await validate(user, codeAtStep(secret, step()));
  assert.deepEqual([old.body.success, old.body.reenrollment_required], [true, true]);
  assert.equal((await validate(user, codeAtStep(again.body.secret, step() + 1))).body.success, false);
  await at(api.now + 60);
  const proven = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(again.body.secret, step()) } });
  assert.deepEqual([proven.body.success, proven.body.reenrollment_required], [true, false], JSON.stringify(proven.body));
  await at(api.now + 30);
  assert.equal((await validate(user, codeAtStep(secret, step()))).body.success, false, "the old secret stopped working");
  const fresh = await validate(user, codeAtStep(again.body.secret, step()));
  assert.deepEqual([fresh.body.success, fresh.body.failed_attempts], [true, 0]);
  await at(api.now + 86_400);
  assert.equal((await validate(user, recoveryCodes[1])).body.recovery_code_used, true, "the recovery codes carry over");
  const stored = (await api.stored(org, "factors")).find((row) => row.user_id === user);
  assert.equal(stored.pending_sealed_secret, null);
});

test("a pending secret is refused during the active one's backoff; force replaces at once and clears it", async () => {
  await at(T0 + 1_000_000);
  const { user, secret } = await enrolled();
  for (let i = 0; i < 5; i++) await validate(user, "000000");
  const pending = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  const refused = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(pending.secret, step()) } });
  assert.equal(refused.status, 429, JSON.stringify(refused.body));
  const forced = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, force_enroll: true } })).body;
  assert.equal((await validate(user, codeAtStep(secret, step() + 1))).status, 409, "the old secret is gone at once");
  // The step after the user's last accepted one: a code is accepted for a later step only,
  // whatever secret it comes from.
  const sameStep = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(forced.secret, step()) } });
  assert.equal(sameStep.body.success, false);
  await at(api.now + 30);
  const validated = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(forced.secret, step()) } });
  assert.deepEqual([validated.status, validated.body.success, validated.body.failed_attempts], [200, true, 0]);
});

test("SMS: each challenge has its own code, used once, until expires_at, while it is the open one", async () => {
  await at(T0 + 1_200_000);
  const sms = (await api.call("POST", "/api/v2/organizations", { json: { name: "Rules SMS" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${sms}/totp-connection`, { json: { active: true, method: "sms", max_attempts: 20 } });
  const user = (await api.call("POST", `/api/v2/org/${sms}/users`, { json: { profile: { email: "sms@rules.test", phone_number: "+33612345678" } } })).body.id;
  const enrollment = (await api.call("POST", `/api/v2/org/${sms}/totp-enrollment`, { json: { user_id: user } })).body;
  assert.equal(enrollment.expires_at, api.now + 300);
  const check = (code) => api.call("POST", `/api/v2/org/${sms}/totp-challenge/validation/${user}`, { json: { code } });
  const challenge = async () => (await api.call("POST", `/api/v2/org/${sms}/totp-challenge/${user}`)).body;
  assert.equal((await api.call("PUT", `/api/v2/org/${sms}/totp-enrollment/validation/${user}`, { json: { code: enrollment.code } })).body.success, true);
  // No challenge open: no code validates, not even the enrollment's.
  assert.equal((await check(enrollment.code)).body.success, false);
  // Two rounds in the same time step, each with its own code, each used once.
  for (let round = 0; round < 2; round++) {
    const opened = await challenge();
    assert.equal(opened.expires_at, api.now + 300);
    assert.equal((await check(opened.code)).body.success, true, `round ${round}`);
    assert.equal((await check(opened.code)).body.success, false, `round ${round}: used once`);
  }
  // A new challenge supersedes the open one.
  const first = await challenge();
  const second = await challenge();
  if (first.code !== second.code) assert.equal((await check(first.code)).body.success, false);
  assert.equal((await check(second.code)).body.success, true);
  // Expired one second after expires_at.
  const late = await challenge();
  await at(late.expires_at + 1);
  assert.equal((await check(late.code)).body.success, false);
  const onTime = await challenge();
  await at(onTime.expires_at);
  assert.equal((await check(onTime.code)).body.success, true);
  const stored = JSON.stringify(await api.stored(sms, "challenges"));
  assert.doesNotMatch(stored, new RegExp(`"${onTime.code}"|"${late.code}"`));
});
