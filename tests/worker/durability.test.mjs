// Durability: on persisted local state, the runtime is killed (SIGKILL to workerd) in the middle
// of a burst of enrollments and validations, then started again. Every write it acknowledged
// is there, no factor is half-written, and failure counters are intact. The workerd to kill is the
// one that appeared with this test's Miniflare, so test files must not run concurrently
// (`make test` passes --test-concurrency=1).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { conformanceProblems, servedDocument } from "../support/conformance.mjs";
import { workerdPids } from "../support/worker.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-durability-"));
after(() => rm(state, { recursive: true, force: true }));

test("acknowledged writes survive a kill -9 in the middle of a burst", async () => {
  const before = new Set(workerdPids());
  let api = await startApi({ persistTo: state });
  const { secrets } = api;
  await api.bootstrap("durable-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Durable" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
  const token = api.token;
  const ours = workerdPids().filter((pid) => !before.has(pid));
  assert.ok(ours.length > 0, "no workerd process of this test found");

  const doc = await servedDocument(api.worker.fetch);

  // A burst: users created and enrolled, and wrong codes counted, while the runtime dies. A
  // request either gets the answer it should or is cut off by the kill (a network error); any
  // other answer or exception fails the test.
  const acknowledged = { users: new Map(), failures: new Map() };
  const unexpected = [];
  let cut = 0;
  const expect = (answer, status) => {
    if (answer.status !== status) unexpected.push([answer.method, answer.path, answer.status, answer.body]);
    return answer.status === status;
  };
  const burst = Array.from({ length: 40 }, async (_, i) => {
    try {
      await new Promise((resolve) => setTimeout(resolve, i * 5));
      const created = await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `d${i}@durable.test` } } });
      if (!expect(created, 201)) return;
      acknowledged.users.set(created.body.id, null);
      const enrolled = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: created.body.id } });
      if (!expect(enrolled, 201)) return;
      acknowledged.users.set(created.body.id, enrolled.body.secret);
      const wrong = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${created.body.id}`, { json: { code: "000000" } });
      if (expect(wrong, 200) && !wrong.body.success) acknowledged.failures.set(created.body.id, wrong.body.failed_attempts);
    } catch (error) {
      if (!cutOff(error)) throw error; // a bug of the test or the service, not the kill
      cut++;
    }
  });
  const killed = new Promise((resolve) => setTimeout(() => {
    for (const pid of ours) process.kill(pid, "SIGKILL"); // throws if the process is not there
    resolve();
  }, 120));
  await Promise.all([killed, ...burst]);
  await api.stop();
  for (const pid of ours) {
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, `workerd ${pid} survived the kill`);
  }
  assert.deepEqual(unexpected, [], "answers other than the ones asked for");
  // What was answered before the kill still agrees with the document.
  assert.deepEqual(conformanceProblems(doc, api.log), []);
  // The kill landed in the middle of the burst: some writes were answered, some cut off.
  assert.ok(acknowledged.users.size > 0, "the kill came before any write; nothing was tested");
  assert.ok(cut > 0, "the kill came after the burst; nothing was cut off");

  api = await startApi({ secrets, persistTo: state, migrate: false });
  api.token = token;
  const factors = await api.stored(org, "factors");
  const guards = await api.stored(org, "guards");
  const recoveryCodes = await api.stored(org, "recovery_codes");
  const codesOf = (user) => recoveryCodes.filter((row) => row.user_id === user).length;
  for (const [user, secret] of acknowledged.users) {
    const fetched = await api.call("GET", `/api/v2/org/${org}/users/${user}`);
    assert.equal(fetched.status, 200, `acknowledged user ${user} is missing`);
    const factor = factors.find((row) => row.user_id === user);
    if (secret === null) continue;
    assert.ok(factor, `acknowledged enrollment of ${user} is missing`);
    assert.ok(factor.sealed_secret.length > 0 && factor.key_id.length > 0, "half-written factor");
    assert.equal(codesOf(user), 5, "an enrollment's recovery codes are all there or none");
    const guard = guards.find((row) => row.user_id === user);
    if (acknowledged.failures.has(user)) assert.ok(guard.failures >= acknowledged.failures.get(user), "failure counter went back");
  }
  // Every factor in the object, acknowledged or not, is whole.
  const results = factors;
  for (const { user_id } of factors) assert.equal(codesOf(user_id), 5);
  // The restarted service works: an acknowledged enrollment validates, and new writes land.
  const [user, secret] = [...acknowledged.users].find(([, s]) => s) ?? [];
  assert.ok(user, "no enrollment was acknowledged before the kill");
  const validated = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, currentStep()) } });
  assert.equal(validated.body.success, true, JSON.stringify(validated.body));
  const after = await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "after@durable.test" } } });
  assert.equal(after.status, 201, JSON.stringify(after.body));
  console.log(`acknowledged before the kill: ${acknowledged.users.size} users, ${[...acknowledged.users.values()].filter(Boolean).length} enrollments, ${acknowledged.failures.size} counted failures; ${cut} requests cut off; ${results.length} factors after restart`);
  await api.dispose();
});

/** Whether `error` is a request cut off by the runtime's death (a network error), not a bug. */
function cutOff(error) {
  const text = `${error?.message} ${error?.cause?.code ?? ""} ${error?.cause?.message ?? ""}`;
  return error instanceof TypeError && /fetch failed|terminated|socket|ECONNRE|EPIPE|closed|network/i.test(text)
    || /ECONNRESET|ECONNREFUSED|EPIPE|other side closed|Network connection lost/i.test(text);
}
