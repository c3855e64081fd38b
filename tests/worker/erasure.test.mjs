// Deleting a user on workerd: everything of theirs goes but one audit event by id, and nothing
// of them remains readable in the organization object's storage files, free pages and
// write-ahead log included (the runtime allows no secure_delete pragma: personal fields are
// only ever written sealed, the email only as a keyed hash).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { files } from "../support/files.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-erasure-"));
after(() => rm(state, { recursive: true, force: true }));

test("a deleted user leaves only an audit event by id, and nothing readable in the object's files", async () => {
  const logs = [];
  const api = await startApi({ persistTo: state, onLog: (chunk) => logs.push(chunk.toString()) });
  await api.bootstrap("erasure-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Erasure" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const email = "Quentin.Erased@Erasure-Example.test";
  const profile = { email, given_name: "Quentinette", family_name: "Vanishingly", phone_number: "+33687654321" };
  const { user, secret } = await api.enrolledUser(org, email);
  assert.equal((await api.call("PATCH", `/api/v2/org/${org}/users/${user}`, { json: { profile } })).status, 200);
  await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, currentStep() + 1) } });

  const deleted = await api.call("DELETE", `/api/v2/org/${org}/users/${encodeURIComponent(email.toLowerCase())}`);
  assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users/${user}`)).status, 404);
  for (const table of ["users", "factors", "recovery_codes", "challenges"]) {
    assert.deepEqual((await api.stored(org, table)).filter((row) => JSON.stringify(row).includes(user)), [], table);
  }
  const trail = (await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=100`)).body.data;
  assert.deepEqual([trail[0].event, trail[0].user_id, trail[0].detail], ["user.deleted", user, null]);
  const again = await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email } } });
  assert.equal(again.status, 201);
  assert.notEqual(again.body.id, user, "the same email gets a new id");
  assert.equal((await api.call("DELETE", `/api/v2/org/${org}/users/${again.body.id}`)).status, 204);
  await api.dispose();

  const needles = [email, email.toLowerCase(), "Quentin", "Vanishingly", "+33687654321", "33687654321", "Erasure-Example", "erasure-example"];
  let objectFiles = 0, scanned = 0;
  for await (const path of files(state)) {
    const bytes = await readFile(path);
    scanned += bytes.length;
    for (const needle of needles) assert.equal(bytes.indexOf(Buffer.from(needle)), -1, `${needle} found in ${path}`);
    // The scan reads the object's files: the audit event naming the user by id is there.
    if (/OrgObject/.test(path) && bytes.indexOf(Buffer.from(user)) !== -1) objectFiles++;
  }
  assert.ok(objectFiles > 0, `no file of the organization's object holding the user's id was scanned (${scanned} bytes)`);
  const logText = logs.join("");
  for (const needle of needles) assert.equal(logText.indexOf(needle), -1, `${needle} found in the logs`);
});
