// Secrets at rest: after a full flow on persisted state, no file of the local D1, KV and
// Durable Object state (the organizations' SQLite files) and no line the runtime logged holds a TOTP secret (base32 or raw), a recovery code or a
// client secret.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { files } from "../support/files.mjs";
import { base32Decode, codeAtStep, currentStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-at-rest-"));
after(() => rm(state, { recursive: true, force: true }));

test("no secret in the persisted D1, KV and object files or in the logs", async () => {
  const logs = [];
  const api = await startApi({ persistTo: state, onLog: (chunk) => logs.push(chunk.toString()) });
  const keys = await api.bootstrap("rest-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "At Rest" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const { user, secret, recoveryCodes } = await api.enrolledUser(org, "s@rest.test");
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "123456" } });
  const used = codeAtStep(secret, currentStep() + 1);
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: used } });
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: recoveryCodes[0] } });
  await api.call("POST", "/oauth/token", { token: null, json: { grant_type: "client_credentials", domain: "rest-co", client_id: keys.sandbox.client_id, client_secret: "wrong" } });
  await api.dispose();

  const needles = [
    ["base32 secret", Buffer.from(secret)],
    ["base32 secret, lower case", Buffer.from(secret.toLowerCase())],
    ["raw secret", base32Decode(secret)],
    ["sandbox client secret", Buffer.from(keys.sandbox.client_secret)],
    ["production client secret", Buffer.from(keys.production.client_secret)],
    ...recoveryCodes.flatMap((code) => [["recovery code", Buffer.from(code)], ["recovery code", Buffer.from(code.replaceAll("-", ""))]]),
  ];
  let scanned = 0, count = 0;
  const objectFiles = [];
  for await (const path of files(state)) {
    const bytes = await readFile(path);
    scanned += bytes.length;
    count++;
    for (const [name, needle] of needles) assert.equal(bytes.indexOf(needle), -1, `${name} found in ${path}`);
    if (/OrgObject/.test(path) && bytes.indexOf(Buffer.from(user)) !== -1) objectFiles.push(path);
  }
  assert.ok(count > 0 && scanned >= 64 * 1024, `only ${scanned} bytes in ${count} files were persisted`);
  assert.ok(objectFiles.length > 0, "no file of the organization's object holding its user was scanned");
  const logText = Buffer.from(logs.join(""));
  const requestLines = logs.join("").split("\n").filter((line) => / d1=\d+ objects=\d+$/.test(line));
  assert.ok(requestLines.length >= 10, `only ${requestLines.length} request lines of the Worker were captured`);
  for (const [name, needle] of [...needles, ["a used code", Buffer.from(used)]]) {
    assert.equal(logText.indexOf(needle), -1, `${name} found in the logs`);
  }
  console.log(`scanned ${count} files, ${scanned} bytes, and ${logText.length} bytes of logs`);
});
