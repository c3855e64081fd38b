import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";

let api;
before(async () => {
  api = await startApi();
});
after(() => api?.dispose());

test("GET /health answers JSON after reaching D1", async () => {
  const response = await api.call("GET", "/health");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^application\/json/);
  assert.deepEqual(response.body, { status: "ok" });
});

test("GET /health/object makes one round trip to an organization object", async () => {
  const response = await api.call("GET", "/health/object");
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, { status: "ok" });
});

test("D1 holds the control plane only: the organization tables moved to objects", async () => {
  const { results } = await api.worker.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name")
    .all();
  assert.deepEqual(results.map((row) => row.name), ["accounts", "api_keys", "idempotency_keys", "organizations"]);
});
