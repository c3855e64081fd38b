// Lockout, single use and recovery state live in the organization's Durable Object, so a
// restarted runtime keeps them.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { codeAtStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-restart-"));
after(() => rm(state, { recursive: true, force: true }));

// The test build's clock (x-test-now) holds still across the restart, so the 30 s lockout
// outlasts it however long the restart takes.
const T = 1_900_000_000;

test("a lockout and an accepted step survive a restart of the runtime", async () => {
  let api = await startApi({ persistTo: state, testClock: true });
  api.now = T;
  const { secrets } = api;
  await api.bootstrap("restart-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Restart" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 2 } });
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "r@restart.test" } } })).body.id;
  const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  const step = Math.floor(T / 30);
  const enrolled = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, step) } });
  assert.equal(enrolled.body.success, true);
  for (let i = 0; i < 2; i++) {
    await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "000000" } });
  }
  const token = api.token;
  await api.dispose();

  api = await startApi({ secrets, persistTo: state, migrate: false, testClock: true });
  api.now = T + 29;
  api.token = token;
  const locked = await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, step + 1) } });
  assert.equal(locked.status, 429);
  assert.equal(locked.headers.get("retry-after"), "1");
  const guard = (await api.stored(org, "guards")).find((row) => row.user_id === user);
  assert.deepEqual({ failures: guard.failures, last_accepted_at: guard.last_accepted_at }, { failures: 2, last_accepted_at: step * 30 });
  await api.dispose();
});
