// Secrets at rest: after a full flow on persisted state, no file of the local D1 and Durable
// Object state (the organizations' SQLite files, their write-ahead logs included), read as
// stored and with its base64 decoded, and no line the runtime logged holds a TOTP secret (base32
// or raw, kept answers included), a recovery code or a client secret. A canary planted the way
// storage writes sealed values, unsealed, must be found, and the D1 file must have been read.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { scan } from "../support/scan.mjs";
import { base32Decode, codeAtStep, currentStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-at-rest-"));
after(() => rm(state, { recursive: true, force: true }));

test("no secret in the persisted D1, KV and object files or in the logs", async () => {
  const logs = [];
  // The test build, for its canary (see worker/src/contract.rs).
  const api = await startApi({ persistTo: state, testClock: true, onLog: (chunk) => logs.push(chunk.toString()) });
  const keys = await api.bootstrap("rest-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "At Rest" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const { user, secret, recoveryCodes } = await api.enrolledUser(org, "s@rest.test");
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "123456" } });
  const used = codeAtStep(secret, currentStep() + 1);
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: used } });
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: recoveryCodes[0] } });
  await api.call("POST", "/oauth/token", { token: null, json: { grant_type: "client_credentials", domain: "rest-co", client_id: keys.sandbox.client_id, client_secret: "wrong" } });
  // An answer kept for a retry holds a secret too.
  const kept = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user }, headers: { "idempotency-key": "rest-1" } });
  // A canary written as storage writes a sealed value, but unsealed: the scan must find it.
  const canary = `canary-${keys.sandbox.client_id}`;
  const { id } = (await api.call("GET", `/api/v2/organizations/${org}`)).body;
  assert.equal((await api.worker.fetch(`/test/canary/${id}`, { method: "POST", body: canary })).status, 200);
  await api.dispose();

  const needles = [
    ["base32 secret", Buffer.from(secret)],
    ["base32 secret, lower case", Buffer.from(secret.toLowerCase())],
    ["raw secret", base32Decode(secret)],
    ["kept base32 secret", Buffer.from(kept.body.secret)],
    ["kept raw secret", base32Decode(kept.body.secret)],
    ["sandbox client secret", Buffer.from(keys.sandbox.client_secret)],
    ["production client secret", Buffer.from(keys.production.client_secret)],
    ...recoveryCodes.flatMap((code) => [["recovery code", Buffer.from(code)], ["recovery code", Buffer.from(code.replaceAll("-", ""))]]),
  ];
  const found = await scan(state, [...needles, ["canary", Buffer.from(canary)], ["client id", Buffer.from(keys.sandbox.client_id)], ["user id", Buffer.from(user)]]);
  const where = (name, pattern) => found.hits.filter(([hit, path]) => hit === name && pattern.test(path));
  assert.ok(found.count > 0 && found.bytes >= 64 * 1024, `only ${found.bytes} bytes in ${found.count} files were persisted`);
  assert.ok(where("canary", /OrgObject/).length > 0, "the canary was not found: the scan cannot see what storage encodes");
  assert.ok(where("user id", /OrgObject/).length > 0, "no file of the organization's object holding its user was scanned");
  assert.ok(where("client id", /d1/i).length > 0, `no D1 file holding the API key was scanned: ${JSON.stringify(found.hits)}`);
  assert.deepEqual(found.hits.filter(([name]) => !["canary", "client id", "user id"].includes(name)), [], "a secret is stored readable");
  const logText = Buffer.from(logs.join(""));
  const requestLines = logs.join("").split("\n").filter((line) => / d1=\d+ objects=\d+$/.test(line));
  assert.ok(requestLines.length >= 10, `only ${requestLines.length} request lines of the Worker were captured`);
  for (const [name, needle] of [...needles, ["a used code", Buffer.from(used)]]) {
    assert.equal(logText.indexOf(needle), -1, `${name} found in the logs`);
  }
  console.log(`scanned ${found.count} files, ${found.bytes} bytes, and ${logText.length} bytes of logs`);
});
