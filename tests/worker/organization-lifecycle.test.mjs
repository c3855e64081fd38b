// Operating an organization for years, on workerd: lists paged by cursor at the cost of their
// first page, an export streamed out and restored into an empty organization with every
// security state kept, and the organization's own rename and deletion, raced by validations.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { countsOf } from "../support/worker.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api;
before(async () => {
  api = await startApi();
  await api.bootstrap("lifecycle-co");
});
after(() => api?.dispose());

async function organization(name) {
  const created = await api.call("POST", "/api/v2/organizations", { json: { name } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await api.call("PUT", `/api/v2/org/${created.body.domain}/totp-connection`, { json: { active: true } });
  return created.body;
}

/** Creates `count` users in `org`, `width` requests at a time. */
async function users(org, count, width = 8) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const created = await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `user${n}@lifecycle.test` } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

test("a walk by cursor lists every user once, and a bad cursor is a 422", async () => {
  const org = (await organization("Paged")).domain;
  await users(org, 25);
  const seen = [];
  let query = "per_page=10";
  for (let pages = 0; pages < 4; pages++) {
    const page = await api.call("GET", `/api/v2/org/${org}/users?${query}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.total_count, 25);
    seen.push(...page.body.data.map((user) => user.id));
    if (!page.body.next_cursor) break;
    query = `per_page=10&starting_after=${encodeURIComponent(page.body.next_cursor)}`;
  }
  assert.equal(seen.length, 25);
  assert.equal(new Set(seen).size, 25);
  const numbered = await api.call("GET", `/api/v2/org/${org}/users?page=1&per_page=25`);
  assert.deepEqual(numbered.body.data.map((user) => user.id), seen, "the same order as the numbered pages");
  const trail = await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=5`);
  const next = await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=5&starting_after=${trail.body.next_cursor}`);
  assert.equal(next.body.data.length, 5);
  assert.notDeepEqual(next.body.data, trail.body.data);
  const wrongList = await api.call("GET", `/api/v2/org/${org}/users?starting_after=${trail.body.next_cursor}`);
  assert.deepEqual([wrongList.status, wrongList.body.field], [422, "starting_after"]);
  const both = await api.call("GET", `/api/v2/org/${org}/users?page=2&starting_after=${trail.body.next_cursor}`);
  assert.deepEqual([both.status, both.body.field], [422, "page"]);
});

test("an export of 5,000 users restores into an empty organization with its replays, spent codes and lockouts", async () => {
  const source = await organization("Exported");
  await users(source.domain, 5000);
  const alice = await api.enrolledUser(source.domain, "alice@lifecycle.test");
  const validate = (org, user, code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } });
  const spent = await validate(source.domain, alice.user, alice.recoveryCodes[0]);
  assert.equal(spent.body.recovery_code_used, true, JSON.stringify(spent.body));
  const bob = await api.enrolledUser(source.domain, "bob@lifecycle.test");
  const wrong = codeAtStep(bob.secret, currentStep() + 5);
  for (let n = 0; n < 5; n++) await validate(source.domain, bob.user, wrong);
  assert.equal((await validate(source.domain, bob.user, wrong)).status, 429);

  const exported = await api.operator("GET", `/admin/organizations/${source.id}/export`);
  assert.equal(exported.status, 200);
  assert.match(exported.headers.get("content-type"), /^application\/x-ndjson/);
  const lines = exported.body;
  assert.equal(lines[0].format, "headless-totp-export");
  assert.equal(lines[0].counts.users, 5002);
  assert.deepEqual(lines.at(-1), { end: true, counts: lines.at(-1).counts });
  assert.equal(lines.filter((line) => line.table === "users").length, 5002);
  const text = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
  assert.ok(!text.includes("alice@lifecycle.test") && !text.includes(alice.secret), "profiles and secrets stay sealed");

  const restore = (id, body) => api.operator("POST", `/admin/organizations/${id}/restore`, { raw: body, headers: { "content-type": "application/x-ndjson" } });
  const nonEmpty = await restore(source.id, text);
  assert.deepEqual([nonEmpty.status, nonEmpty.body.code], [409, "organization_not_empty"]);
  const target = (await api.call("POST", "/api/v2/organizations", { json: { name: "Restored" } })).body;
  const cut = await restore(target.id, text.slice(0, text.lastIndexOf("{\"end\"")));
  assert.deepEqual([cut.status, cut.body.field], [422, "export"], JSON.stringify(cut.body));
  assert.equal((await api.call("GET", `/api/v2/org/${target.domain}/users`)).body.total_count, 0, "a cut export leaves nothing");
  const asJson = await api.operator("POST", `/admin/organizations/${target.id}/restore`, { json: {} });
  assert.equal(asJson.status, 415);

  const restored = await restore(target.id, text);
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.equal(restored.body.source_organization_id, source.id);
  assert.equal(restored.body.restored.users, 5002);
  const listed = await api.call("GET", `/api/v2/org/${target.domain}/users?per_page=1`);
  assert.equal(listed.body.total_count, 5002);
  assert.equal((await api.call("GET", `/api/v2/org/${target.domain}/users/alice@lifecycle.test`)).body.id, alice.user);
  // The code Alice enrolled with, her spent recovery code: refused. Bob: still backing off.
  assert.equal((await validate(target.domain, alice.user, codeAtStep(alice.secret, alice.step))).body.success, false);
  assert.equal((await validate(target.domain, alice.user, alice.recoveryCodes[0])).body.success, false);
  assert.equal((await validate(target.domain, bob.user, codeAtStep(bob.secret, currentStep()))).status, 429);
  const fresh = await validate(target.domain, alice.user, codeAtStep(alice.secret, currentStep() + 1));
  assert.equal(fresh.body.success, true, JSON.stringify(fresh.body));
});

test("an organization is renamed in place, then deleted: 404 everywhere, its name free for a new id", async () => {
  const org = await organization("Leaving Co");
  const renamed = await api.call("PATCH", `/api/v2/organizations/${org.domain}`, { json: { name: "Leaving Corp", email_domains: ["leaving.test"] } });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  assert.deepEqual([renamed.body.id, renamed.body.domain, renamed.body.name], [org.id, org.domain, "Leaving Corp"]);
  assert.equal((await api.call("GET", `/api/v2/organizations/${org.domain}`)).body.name, "Leaving Corp");
  const enrolled = await api.enrolledUser(org.domain, "leaving@lifecycle.test");

  const deleted = await api.call("DELETE", `/api/v2/organizations/${org.domain}`);
  assert.equal(deleted.status, 204);
  for (const [method, path] of [
    ["GET", `/api/v2/organizations/${org.domain}`],
    ["GET", `/api/v2/org/${org.domain}/users`],
    ["POST", `/api/v2/org/${org.domain}/totp-challenge/validation/${enrolled.user}`],
    ["DELETE", `/api/v2/organizations/${org.domain}`],
  ]) {
    const gone = await api.call(method, path, method === "POST" ? { json: { code: "123456" } } : {});
    assert.deepEqual([gone.status, gone.body.code], [404, "organization_not_found"], `${method} ${path}`);
  }
  assert.equal((await api.operator("GET", `/admin/organizations/${org.id}/export`)).status, 404);
  // A Worker elsewhere may still hold the directory's entry: its call reaches the object itself,
  // which answers 404 every time and starts nothing over.
  const objects = await api.worker.mf.getDurableObjectNamespace("ORG");
  const object = objects.get(objects.idFromName(org.id));
  const entry = { id: org.id, domain: org.domain, name: "Leaving Corp", email_domains: ["leaving.test"], environment: "sandbox", created_at: 0, account_id: "stale" };
  for (const command of ["connection", { user: { id: enrolled.user } }]) {
    const stale = await object.fetch("https://org/call", { method: "POST", body: JSON.stringify({ organization: entry, command }) });
    const body = await stale.json();
    assert.deepEqual([stale.status, body.code], [404, "organization_not_found"], JSON.stringify(command));
  }
  const kv = await api.worker.mf.getKVNamespace("KV");
  assert.ok(!(await kv.list()).keys.some((key) => key.name.endsWith(`/${org.domain}`)), "its KV entry is gone");
  const again = await organization("Leaving Co");
  assert.equal(again.domain, org.domain);
  assert.notEqual(again.id, org.id);
  assert.equal((await api.call("GET", `/api/v2/org/${again.domain}/users`)).body.total_count, 0);
});

test("a deletion racing validations answers only 200, 204 or 404", async () => {
  const org = (await organization("Raced")).domain;
  const people = [];
  for (let n = 0; n < 8; n++) people.push(await api.enrolledUser(org, `raced${n}@lifecycle.test`));
  const validations = people.flatMap(({ user, secret }) =>
    [1, 2, 3].map((k) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, currentStep() + 5 + k) } })),
  );
  const deletion = api.call("DELETE", `/api/v2/organizations/${org}`);
  const statuses = (await Promise.all([...validations, deletion])).map((r) => r.status);
  assert.ok(statuses.every((status) => [200, 204, 404].includes(status)), JSON.stringify(statuses));
  assert.equal((await deletion).status, 204);
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users`)).status, 404);
});

test("a cold isolate finds the organization in KV: one D1 read for its first validation, not two", async () => {
  const state = await mkdtemp(join(tmpdir(), "totp-kv-"));
  const lines = [];
  const onLog = (chunk) => lines.push(...chunk.toString().split("\n").filter(Boolean));
  let cold = await startApi({ persistTo: state, onLog });
  const { secrets } = cold;
  await cold.bootstrap("kv-co");
  const { token } = cold;
  const org = (await cold.call("POST", "/api/v2/organizations", { json: { name: "Cold" } })).body.domain;
  await cold.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const { user } = await cold.enrolledUser(org, "cold@lifecycle.test");
  await cold.dispose();
  /** The D1 reads of the first validation on a new runtime (a cold isolate), after `before`. */
  const firstValidation = async (before = async () => {}) => {
    cold = await startApi({ secrets, persistTo: state, migrate: false, onLog });
    cold.token = token;
    await before(await cold.worker.mf.getKVNamespace("KV"));
    lines.length = 0;
    const answer = await cold.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "000000" } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const counts = await countsOf(lines, "validateChallenge");
    await cold.dispose();
    return counts.d1;
  };
  try {
    assert.equal(await firstValidation(), 1, "the key's state from D1, the organization from KV");
    const forget = async (kv) => {
      const keys = (await kv.list()).keys.filter((key) => key.name.endsWith(`/${org}`));
      assert.equal(keys.length, 1, "created organizations are written to KV");
      await kv.delete(keys[0].name);
    };
    assert.equal(await firstValidation(forget), 2, "without the KV entry: both from D1");
    assert.equal(await firstValidation(), 1, "the read wrote the entry back");
  } finally {
    await rm(state, { recursive: true, force: true });
  }
});
