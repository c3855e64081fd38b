import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "../support/worker.mjs";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

test("GET /health answers JSON after reaching D1", async () => {
  const response = await worker.fetch("/health");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^application\/json/);
  assert.deepEqual(await response.json(), { status: "ok" });
});

test("the first migration created the accounts table", async () => {
  const row = await worker.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'accounts'")
    .first();
  assert.equal(row?.name, "accounts");
});
