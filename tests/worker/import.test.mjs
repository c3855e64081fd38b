// Importing existing factors on workerd: URIs as apps and providers export them, codes computed
// here validate, partial failures, the audit trail, the limits, and no secret in any answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const RFC_SHA1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_SHA256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
let api, org;
before(async () => {
  api = await startApi();
  await api.bootstrap("import-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Import" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
});
after(() => api?.dispose());

const user = async (email) => (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email } } })).body.id;
const validate = (id, code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${id}`, { json: { code } });

test("imported factors validate codes computed independently; bad entries are named and leave the good ones", async () => {
  const [a, b, c] = [await user("a@import.test"), await user("b@import.test"), await user("c@import.test")];
  const answer = await api.call("POST", `/api/v2/org/${org}/totp-import`, {
    json: {
      issue_recovery_codes: true,
      factors: [
        { user_id: a, otpauth_uri: `otpauth://totp/Import%20Co:a%40import.test?secret=${RFC_SHA1}&issuer=Import%20Co` },
        { user_id: "b@import.test", otpauth_uri: `otpauth://totp/b?secret=${RFC_SHA256.toLowerCase()}&algorithm=SHA256&digits=8&period=60` },
        { user_id: c, otpauth_uri: `otpauth://hotp/c?secret=${RFC_SHA1}&counter=3` },
        { user_id: "ghost@import.test", otpauth_uri: `otpauth://totp/g?secret=${RFC_SHA1}` },
        { user_id: c, otpauth_uri: "otpauth://totp/c?secret=SECRETWITH1&issuer=X" },
      ],
    },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual([answer.body.imported, answer.body.failed], [2, 3]);
  assert.deepEqual(answer.body.results.map((r) => [r.index, r.status]), [[0, "imported"], [1, "imported"], [2, "error"], [3, "error"], [4, "error"]]);
  assert.equal(answer.body.results[1].user_id, b);
  assert.equal(answer.body.results[2].error, "only TOTP can be imported (otpauth://totp/)");
  assert.equal(answer.body.results[3].error, "user not found");
  assert.match(answer.body.results[4].error, /^otpauth_uri: secret parameter/);
  assert.equal(answer.body.results[0].recovery_codes.split("\n").length, 5);
  const text = JSON.stringify(answer.body);
  for (const secret of [RFC_SHA1, RFC_SHA256.toLowerCase(), "SECRETWITH1"]) assert.ok(!text.includes(secret), `${secret} echoed`);
  // Codes computed here (tests/support/totp.mjs, node:crypto) validate.
  assert.equal((await validate(a, codeAtStep(RFC_SHA1, currentStep()))).body.success, true);
  const step60 = Math.floor(Date.now() / 60_000);
  assert.equal((await validate(b, codeAtStep(RFC_SHA256, step60, { digits: 8, algorithm: "sha256" }))).body.success, true);
  assert.equal((await validate(c, "123456")).status, 404, "the refused entry left the user unenrolled");
  const audit = (await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=100`)).body.data.filter((e) => e.event === "factor.imported");
  assert.deepEqual(audit.map((e) => e.user_id).sort(), [a, b].sort());
  const stored = JSON.stringify(await api.stored(org, "factors"));
  assert.ok(!stored.includes(RFC_SHA1), "sealed at rest");
});

test("an active factor is replaced only with replace: true", async () => {
  const { user: id } = await api.enrolledUser(org, "d@import.test");
  const uri = `otpauth://totp/d?secret=${RFC_SHA1}`;
  const kept = await api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: [{ user_id: id, otpauth_uri: uri }] } });
  assert.match(kept.body.results[0].error, /already has a factor/);
  const unchanged = (await api.stored(org, "factors")).find((row) => row.user_id === id);
  assert.equal(unchanged.generation, 1, "the refused import left the factor alone");
  const replaced = await api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { replace: true, factors: [{ user_id: id, otpauth_uri: uri }] } });
  assert.equal(replaced.body.imported, 1);
  // A step after the one the enrollment accepted: a step is accepted once per user, whatever
  // the secret.
  assert.equal((await validate(id, codeAtStep(RFC_SHA1, currentStep() + 1))).body.success, true);
});

test("500 entries fit (beyond the usual 16 KiB); 501 are a 422; over 256 KiB is a 413", async () => {
  const entry = (i) => ({ user_id: `nobody-${i}@import.test`, otpauth_uri: `otpauth://totp/Import:nobody-${i}?secret=${RFC_SHA1}&issuer=Import` });
  const five = await api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: Array.from({ length: 500 }, (_, i) => entry(i)) } });
  assert.equal(five.status, 200, JSON.stringify(five.body).slice(0, 300));
  assert.deepEqual([five.body.imported, five.body.failed], [0, 500]);
  const tooMany = await api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: Array.from({ length: 501 }, (_, i) => entry(i)) } });
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.body.error_description, /^factors must hold 1 to 500 entries/);
  const huge = await api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: [{ user_id: "x".repeat(300 * 1024), otpauth_uri: "x" }] } });
  assert.equal(huge.status, 413);
  const shape = await api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: "nope" } });
  assert.deepEqual([shape.status, shape.body.error_description], [422, "factors must be a list of {user_id, otpauth_uri, friendly_name?, add_factor?}"]);
});
