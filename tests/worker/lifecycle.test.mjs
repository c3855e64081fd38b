// The rest of the lifecycle on workerd: profile changes, turning MFA off for one user, and
// recovery codes regenerated with a current code as proof, with races.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { outcomes, startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, org, users = 0;
before(async () => {
  api = await startApi();
  await api.bootstrap("lifecycle-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Lifecycle" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
});
after(() => api?.dispose());

const enrolled = () => api.enrolledUser(org, `l${++users}@lifecycle.test`);
const regenerate = (user, code) => api.call("POST", `/api/v2/org/${org}/totp-recovery-codes/${user}`, { json: { code } });
const validate = (user, code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } });

test("PATCH a user's profile as a form or JSON; a bad or taken field is a 422 naming it; the audit names fields only", async () => {
  const { user } = await enrolled();
  const taken = (await enrolled()).user;
  const changed = await api.call("PATCH", `/api/v2/org/${org}/users/${user}`, { multipart: { "profile[phone_number]": "+33612345678", "profile[given_name]": "Zoé" } });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.deepEqual([changed.body.profile.phone_number, changed.body.profile.given_name], ["+33612345678", "Zoé"]);
  const moved = await api.call("PATCH", `/api/v2/org/${org}/users/${user}`, { json: { profile: { email: "Moved@Lifecycle.test" } } });
  assert.equal(moved.body.profile.email, "Moved@Lifecycle.test");
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users/moved@lifecycle.test`)).body.id, user);
  const takenEmail = (await api.call("GET", `/api/v2/org/${org}/users/${taken}`)).body.profile.email;
  for (const [profile, field] of [[{ email: takenEmail.toUpperCase() }, "email"], [{ email: "\u212Aate@lifecycle.test" }, "profile[email]"], [{ phone_number: "0612" }, "profile[phone_number]"]]) {
    const refused = await api.call("PATCH", `/api/v2/org/${org}/users/${user}`, { json: { profile: { given_name: "Never", ...profile } } });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.ok(refused.body.error_description.startsWith(`${field} `), refused.body.error_description);
  }
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users/${user}`)).body.profile.given_name, "Zoé", "nothing written");
  assert.equal((await api.call("PATCH", `/api/v2/org/${org}/users/nobody`, { json: { profile: { given_name: "x" } } })).status, 404);
  const trail = JSON.stringify((await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=100`)).body);
  assert.match(trail, /"user.updated"/);
  assert.doesNotMatch(trail, /Zo|\+3361|Moved/i);
});

test("DELETE totp-enrollment turns MFA off for one user; the next enrollment is a first one", async () => {
  const { user, secret, recoveryCodes } = await enrolled();
  const removed = await api.call("DELETE", `/api/v2/org/${org}/totp-enrollment/${user}`);
  assert.equal(removed.status, 204);
  assert.equal(removed.body, "");
  assert.equal(removed.headers.get("cache-control"), "no-store");
  assert.equal((await validate(user, codeAtStep(secret, currentStep() + 1))).status, 404);
  assert.equal((await validate(user, recoveryCodes[0])).status, 404);
  assert.equal((await api.call("DELETE", `/api/v2/org/${org}/totp-enrollment/${user}`)).status, 404);
  const stored = (await api.stored(org, "recovery_codes")).filter((row) => row.user_id === user);
  assert.deepEqual(stored, []);
  const again = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  assert.equal(again.body.recovery_codes.split("\n").length, 5, "a first enrollment issues codes");
  const events = (await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=100`)).body.data;
  assert.ok(events.some((e) => e.event === "enrollment.deleted" && e.user_id === user));
});

test("recovery codes are regenerated with a current code only; the old set stops at once; answers report what remains", async () => {
  const { user, secret, step, recoveryCodes } = await enrolled();
  // A recovery code is no proof: not of the shape asked for, so a 422 that does not count.
  const refused = await regenerate(user, recoveryCodes[0]);
  assert.deepEqual([refused.status, refused.body.code, refused.body.field], [422, "invalid_field", "code"]);
  const code = codeAtStep(secret, Math.max(step, currentStep()) + 1);
  const fresh = await regenerate(user, code);
  assert.deepEqual([fresh.body.success, fresh.body.failed_attempts, fresh.body.recovery_codes_remaining], [true, 0, 5], JSON.stringify(fresh.body));
  const codes = fresh.body.recovery_codes.split("\n");
  assert.equal(codes.length, 5);
  assert.equal((await regenerate(user, code)).body.success, false, "the proving code is spent");
  assert.equal((await validate(user, recoveryCodes[1])).body.success, false, "the old set stopped working");
  const used = await validate(user, codes[0]);
  assert.deepEqual([used.body.success, used.body.recovery_code_used, used.body.recovery_codes_remaining], [true, true, 4]);
});

test("20 concurrent regenerations with one valid code yield exactly one new set", async () => {
  const { user, secret, step } = await enrolled();
  const code = codeAtStep(secret, Math.max(step, currentStep()) + 1);
  const results = await Promise.all(Array.from({ length: 20 }, () => regenerate(user, code)));
  assert.deepEqual(outcomes(results), { success: 1, refused: 19, throttled: 0, other: [] });
  const winner = results.find((r) => r.body.success).body.recovery_codes.split("\n");
  assert.ok(results.filter((r) => !r.body.success).every((r) => r.body.recovery_codes === null));
  const stored = (await api.stored(org, "recovery_codes")).filter((row) => row.user_id === user);
  assert.equal(stored.length, 5, "one set, not twenty");
  assert.equal((await validate(user, winner[0])).body.recovery_code_used, true);
});

test("a deletion racing validations: every success happened before the factor or the user was gone", async () => {
  // The checks below say something only if the races had both sides: a success before the
  // deletion, and validations that found the factor gone. Counted over the rounds.
  let succeeded = 0, foundGone = 0;
  for (const [round, target, event] of [[0, "totp-enrollment", "enrollment.deleted"], [1, "totp-enrollment", "enrollment.deleted"], [2, "users", "user.deleted"], [3, "users", "user.deleted"]]) {
    const { user, secret, step } = await enrolled();
    const code = codeAtStep(secret, Math.max(step, currentStep()) + 1);
    // Staggered by 2 ms, the deletion in the middle: a DELETE carries no body to read, so sent
    // together it would always reach the object first and nothing would race.
    const send = (i) => (i === 5 ? api.call("DELETE", `/api/v2/org/${org}/${target}/${user}`) : validate(user, code));
    const racing = Array.from({ length: 10 }, (_, i) => new Promise((resolve) => setTimeout(resolve, i * 2)).then(() => send(i)));
    const results = await Promise.all(racing);
    assert.equal(results[5].status, 204);
    const validations = results.filter((_, i) => i !== 5);
    assert.ok(validations.every((r) => r.status === 200 || r.status === 404), JSON.stringify(validations.map((r) => [r.status, r.body])));
    assert.ok(validations.filter((r) => r.body.success).length <= 1);
    assert.equal((await validate(user, code)).status, 404);
    // The trail (written with each change, newest first) shows any success before the deletion.
    const trail = (await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=100`)).body.data.filter((e) => e.user_id === user).map((e) => e.event);
    const deleted = trail.indexOf(event);
    assert.ok(deleted >= 0, `round ${round}: ${JSON.stringify(trail)}`);
    assert.ok(trail.slice(0, deleted).every((event) => event !== "validation.succeeded"), JSON.stringify(trail));
    assert.equal(trail.filter((event) => event === "validation.succeeded").length, validations.filter((r) => r.body.success).length);
    succeeded += validations.filter((r) => r.body.success).length;
    foundGone += validations.filter((r) => r.status === 404).length;
  }
  assert.ok(succeeded > 0, "no validation won a race: the ordering check was vacuous");
  assert.ok(foundGone > 0, "no validation came after a deletion: nothing raced");
});
