// Rotating the sealing key: add a new first key, keep the old one while `POST /admin/reseal`
// moves every secret, then drop the old key. Users keep signing in throughout.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-rotation-"));
after(() => rm(state, { recursive: true, force: true }));

test("secrets sealed under an old key still verify, and a re-seal pass moves them", async () => {
  const oldKey = `k1:${randomBytes(32).toString("base64")}`;
  const newKey = `k2:${randomBytes(32).toString("base64")}`;
  let api = await startApi({ persistTo: state });
  const secrets = { ...api.secrets, SECRET_SEALING_KEYS: oldKey };
  await api.dispose();

  api = await startApi({ secrets, persistTo: state, migrate: false });
  await api.bootstrap("rotate-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Rotate" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "k@rotate.test" } } })).body.id;
  const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  const step = currentStep();
  assert.equal((await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, step) } })).body.success, true);
  const token = api.token;
  await api.dispose();

  // The code of the step after the current one, computed when used: newer than the accepted one.
  const validate = async () =>
    (await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, currentStep() + 1) } })).body.success;

  api = await startApi({ secrets: { ...secrets, SECRET_SEALING_KEYS: `${newKey},${oldKey}` }, persistTo: state, migrate: false });
  api.token = token;
  assert.equal(await validate(), true, "the old key still opens its secrets");
  const pass = await api.operator("POST", "/admin/reseal", { json: { limit: 100 } });
  // The factor's secret and the user's sealed profile.
  assert.deepEqual(pass.body, { key_id: "k2", resealed: 2, remaining: false });
  const row = (await api.stored(org, "factors")).find((factor) => factor.user_id === user);
  assert.equal(row.key_id, "k2");
  assert.equal((await api.stored(org, "users")).find((stored) => stored.id === user).profile_key_id, "k2");
  await api.dispose();

  api = await startApi({ secrets: { ...secrets, SECRET_SEALING_KEYS: newKey }, persistTo: state, migrate: false });
  api.token = token;
  // Creating a challenge opens the secret: it works with the new key alone.
  const challenge = await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  assert.equal(challenge.status, 201, JSON.stringify(challenge.body));
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users/k@rotate.test`)).body.id, user, "and the profile too");
  await api.dispose();
});
