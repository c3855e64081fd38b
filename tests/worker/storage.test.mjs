// The storage contract on the engines the service runs on: the guarantees the rules take for
// granted of their storage (crates/totp-domain/src/sql/contract.rs: values come back as written,
// a commit is all or nothing, STRICT tables refuse other types, rows come in the order asked, a
// write says how many rows it changed), checked on a SQLite-backed Durable Object's own storage
// and on D1, as bundled SQLite passes them natively. Only the test build answers
// /storage-contract.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "../support/worker.mjs";
import { testSecrets } from "../support/secrets.mjs";

let worker;
before(async () => {
  worker = await startWorker({ bindings: testSecrets(), build: "build-test" });
});
after(() => worker?.dispose());

async function checkContract(name) {
  const namespace = await worker.mf.getDurableObjectNamespace("ORG");
  const object = namespace.get(namespace.idFromName(name));
  const response = await object.fetch("http://object/storage-contract");
  return { status: response.status, text: await response.text() };
}

test("a Durable Object's storage keeps the storage contract", async () => {
  const { status, text } = await checkContract("contract-probe");
  assert.equal(status, 200, text);
  assert.deepEqual(JSON.parse(text), { status: "ok" });
});

test("the contract can be checked again on the same object: it leaves nothing behind", async () => {
  const again = await checkContract("contract-probe");
  assert.equal(again.status, 200, again.text);
});

test("D1 keeps the control plane's storage contract", async () => {
  const response = await worker.fetch("/storage-contract");
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.deepEqual(JSON.parse(text), { status: "ok" });
});
