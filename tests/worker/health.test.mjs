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

test("every migration has been applied", async () => {
  const { results } = await api.worker.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all();
  const tables = results.map((row) => row.name);
  for (const table of ["accounts", "api_keys", "organizations", "users", "totp_connections", "factors", "recovery_codes", "audit_events"]) {
    assert.ok(tables.includes(table), `${table} in ${tables}`);
  }
});
