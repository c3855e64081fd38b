// One user per identity, under Unicode: every look-alike of an address is refused or finds no
// one, through creation (JSON and form bodies), lookup and enrollment, on workerd.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, org;
before(async () => {
  api = await startApi();
  await api.bootstrap("identity-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Identity" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
});
after(() => api?.dispose());

/** Each written with one character that Unicode case mapping, normalization or rendering confuses. */
const LOOK_ALIKES = {
  "kate@acme.test": ["\u212Aate@acme.test", "\uFF4Bate@acme.test", "ka\u200Dte@acme.test", "KATE@ACME.TEST\u200D"],
  "isa@acme.test": ["\u0131sa@acme.test", "\u0130sa@acme.test", "I\u0307sa@acme.test"],
  "strasse@acme.test": ["stra\u00DFe@acme.test", "STRA\u1E9EE@acme.test"],
  "jose@acme.test": ["jos\u00E9@acme.test", "jose\u0301@acme.test"],
};

test("a look-alike address is refused with a 422 that says why, in JSON and in a form", async () => {
  for (const [address, lookAlikes] of Object.entries(LOOK_ALIKES)) {
    const created = await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: address } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const lookAlike of lookAlikes) {
      for (const body of [{ json: { profile: { email: lookAlike } } }, { form: { "profile[email]": lookAlike } }]) {
        const refused = await api.call("POST", `/api/v2/org/${org}/users`, body);
        assert.equal(refused.status, 422, `${JSON.stringify(lookAlike)}: ${JSON.stringify(refused.body)}`);
        assert.match(refused.body.error_description, /^profile\[email\] must be ASCII/);
      }
    }
  }
  const users = await api.call("GET", `/api/v2/org/${org}/users?per_page=100`);
  assert.deepEqual(users.body.data.map((user) => user.profile.email).sort(), Object.keys(LOOK_ALIKES).sort());
});

test("a look-alike finds no one, and cannot enroll over the user it resembles", async () => {
  const { user, secret, step } = await api.enrolledUser(org, "kelvin@acme.test");
  for (const lookAlike of ["\u212Aelvin@acme.test", "KELVIN@ACME.TEST\u200D", "\uFF4Belvin@acme.test"]) {
    const found = await api.call("GET", `/api/v2/org/${org}/users/${encodeURIComponent(lookAlike)}`);
    assert.equal(found.status, 404, `${JSON.stringify(lookAlike)}: ${JSON.stringify(found.body)}`);
    const enrolled = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: lookAlike, force_enroll: true } });
    assert.equal(enrolled.status, 404, `${JSON.stringify(lookAlike)}: ${JSON.stringify(enrolled.body)}`);
  }
  // The same address in other ASCII case is the same user.
  const same = await api.call("GET", `/api/v2/org/${org}/users/${encodeURIComponent("KELVIN@Acme.Test")}`);
  assert.equal(same.body.id, user);
  const validated = await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, Math.max(step, currentStep()) + 1) } });
  assert.equal(validated.body.success, true, JSON.stringify(validated.body));
});
