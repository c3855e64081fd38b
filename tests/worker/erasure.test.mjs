// Deleting a user on workerd: everything of theirs goes but one audit event by id, and nothing
// of them remains readable in the organization object's storage files, free pages and
// write-ahead log included (the runtime allows no secure_delete pragma: personal fields are
// only ever written sealed, the email only as a keyed hash).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { scan } from "../support/scan.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const state = await mkdtemp(join(tmpdir(), "totp-erasure-"));
after(() => rm(state, { recursive: true, force: true }));

test("a deleted user leaves only an audit event by id, and nothing readable in the object's files", async () => {
  const logs = [];
  // The test build, for its canary (see worker/src/contract.rs).
  const api = await startApi({ persistTo: state, testClock: true, onLog: (chunk) => logs.push(chunk.toString()) });
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
  // A canary written as storage writes a profile, unsealed, and deleted at once: the scan must
  // find it where deleted rows linger, or it proves nothing about the user above.
  const canary = `canary-${user}-planted`;
  const { id } = (await api.call("GET", `/api/v2/organizations/${org}`)).body;
  const planted = await api.worker.fetch(`/test/canary/${id}`, { method: "POST", body: canary });
  assert.equal(planted.status, 200, await planted.text());
  await api.dispose();

  const needles = [email, email.toLowerCase(), "Quentin", "Vanishingly", "+33687654321", "33687654321", "Erasure-Example", "erasure-example"]
    .map((needle) => [needle, Buffer.from(needle)]);
  const found = await scan(state, [...needles, ["canary", Buffer.from(canary)], ["user id", Buffer.from(user)]]);
  const objectHits = (name) => found.hits.filter(([hit, path]) => hit === name && /OrgObject/.test(path));
  assert.ok(objectHits("canary").length > 0, `the deleted canary was not found in the object's files: the scan cannot see a deleted row (${found.bytes} bytes in ${found.count} files)`);
  assert.ok(objectHits("user id").length > 0, "no file of the organization's object holding the user's id (its audit event) was scanned");
  assert.ok(found.wal.some(({ path, size }) => /OrgObject/.test(path) && size > 0), `no write-ahead log of the object was there to scan: ${JSON.stringify(found.wal)}`);
  assert.deepEqual(found.hits.filter(([name]) => !["canary", "user id"].includes(name)), [], "personal data left readable");
  const logText = logs.join("");
  assert.ok(/ deleteUser 204 /.test(logText), "the Worker's request lines were not captured: the log scan proves nothing");
  for (const [needle] of needles) assert.equal(logText.indexOf(needle), -1, `${needle} found in the logs`);
});
