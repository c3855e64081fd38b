// Health checks and the token endpoint's rate limits: what anyone may call reaches no shared
// resource (D1, an object) without a limit in front of it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { configuredRateLimits, countsOf as countsOfLines } from "../support/worker.mjs";

let api, lines;
before(async () => {
  lines = [];
  // The limits exactly as wrangler.toml declares them for the local default.
  api = await startApi({
    ratelimits: await configuredRateLimits(),
    onLog: (chunk) => lines.push(...chunk.toString().split("\n").filter(Boolean)),
  });
});
after(() => api?.dispose());

const countsOf = (operation) => countsOfLines(lines, operation);

test("GET /health answers liveness without D1 or an object", async () => {
  const response = await api.call("GET", "/health", { token: null });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^application\/json/);
  assert.deepEqual(response.body, { status: "ok" });
  assert.deepEqual(await countsOf("health"), { d1: 0, objects: 0 });
  assert.equal((await api.call("GET", "/health/object", { token: null })).status, 404);
});

test("the deep check reaches D1 and one object, for the operator only", async () => {
  assert.equal((await api.call("GET", "/admin/health", { token: null })).status, 401);
  assert.equal((await api.call("GET", "/admin/health", { token: "not-the-operator" })).status, 401);
  const deep = await api.operator("GET", "/admin/health");
  assert.equal(deep.status, 200);
  assert.deepEqual(deep.body, { status: "ok", d1: "ok", object: "ok" });
  assert.deepEqual(await countsOf("deepHealth"), { d1: 1, objects: 1 });
  const hop = await api.operator("GET", "/admin/health/object");
  assert.deepEqual([hop.status, hop.body], [200, { status: "ok" }]);
  assert.deepEqual(await countsOf("objectHealth"), { d1: 0, objects: 1 });
});

const token = (clientId, address) =>
  api.call("POST", "/oauth/token", {
    token: null,
    headers: { "cf-connecting-ip": address },
    form: { grant_type: "client_credentials", domain: "nobody", client_id: clientId, client_secret: "x" },
  });

test("token requests are limited per client id, answering 429 with Retry-After before D1", async () => {
  const { simple } = (await configuredRateLimits()).TOKEN_BY_CLIENT;
  const statuses = [];
  // From many addresses, so only the per-client limit can apply.
  for (let i = 0; i <= simple.limit; i++) statuses.push((await token("guessed-client", `198.51.100.${i}`)).status);
  assert.deepEqual(statuses.slice(0, simple.limit), Array(simple.limit).fill(401));
  const refused = await token("guessed-client", "198.51.100.200");
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error, "too_many_requests");
  assert.equal(refused.headers.get("retry-after"), String(simple.period));
  assert.deepEqual(await countsOf("createToken"), { d1: 0, objects: 0 });
  assert.equal((await token("another-client", "198.51.100.201")).status, 401, "other clients go on");
});

test("token requests are limited per client address, whatever client id they name", async () => {
  const { simple } = (await configuredRateLimits()).TOKEN_BY_ADDRESS;
  // The binding counts in fixed windows of `period` seconds: a burst that straddles a window's
  // end may pass one window's worth more before the refusal.
  const statuses = [];
  let refused;
  for (let i = 0; i < 2 * simple.limit + 1 && !refused; i++) {
    const answer = await token(`client-${i}`, "203.0.113.7");
    if (answer.status === 429) refused = answer;
    else statuses.push(answer.status);
  }
  assert.ok(refused, `no 429 after ${statuses.length} requests from one address`);
  assert.ok(statuses.length >= simple.limit, `refused after ${statuses.length}, before the limit of ${simple.limit}`);
  assert.ok(statuses.every((status) => status === 401));
  assert.equal(refused.headers.get("retry-after"), String(simple.period));
  assert.equal((await token("client-fresh", "203.0.113.8")).status, 401, "other addresses go on");
});

test("every deployed environment declares both limits", async () => {
  for (const env of [undefined, "staging", "production"]) {
    const limits = await configuredRateLimits({ env });
    assert.deepEqual(Object.keys(limits ?? {}).sort(), ["TOKEN_BY_ADDRESS", "TOKEN_BY_CLIENT"], `${env}`);
  }
});

test("D1 holds the control plane only: the organization tables moved to objects", async () => {
  const { results } = await api.worker.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name")
    .all();
  assert.deepEqual(results.map((row) => row.name), ["accounts", "api_keys", "control_audit_events", "idempotency_keys", "organizations"]);
});
