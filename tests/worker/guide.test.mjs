// The integration guide's flow, request by request, with the bodies its curls send.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, keys;
before(async () => {
  api = await startApi();
  keys = await api.bootstrap("communitiz-app");
});
after(() => api?.dispose());

const org = "communitiz-app";

// Each test from the users on sets up what it needs in an account of its own (its token
// becomes the default), so it passes or fails alone, in any order.
let accounts = 0;
async function organization({ active = false } = {}) {
  const domain = `guide-${++accounts}`;
  await api.operator("POST", "/admin/accounts", { json: { domain } });
  const key = (await api.operator("POST", `/admin/accounts/${domain}/api-keys`, { json: { environment: "sandbox" } })).body;
  api.token = await api.tokenFor(domain, key);
  const created = (await api.call("POST", "/api/v2/organizations", { json: { name: "Communitiz App" } })).body.domain;
  if (active) await api.call("PUT", `/api/v2/org/${created}/totp-connection`, { json: { active: true } });
  return created;
}

async function user(org) {
  return (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "emilie@communitiz-app.co" } } })).body.id;
}

test("POST /oauth/token: JSON under curl's form content type; a missing comma is a clear 400", async () => {
  const body = `{\n"grant_type": "client_credentials"\n"domain": "communitiz-app",\n"client_id": "${keys.sandbox.client_id}",\n"client_secret": "${keys.sandbox.client_secret}"\n}`;
  const typo = await api.call("POST", "/oauth/token", { raw: body, token: null, headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.equal(typo.status, 400);
  assert.equal(typo.body.error, "invalid_request");
  assert.match(typo.body.error_description, /invalid JSON body: expected `,` or `}` at line 3/);

  const fixed = body.replace('"client_credentials"\n', '"client_credentials",\n');
  const ok = await api.call("POST", "/oauth/token", { raw: fixed, token: null, headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.token_type, "Bearer");
  assert.equal(ok.body.expires_in, 900);
  assert.equal(ok.body.access_token.split(".").length, 3);
});

test("POST /oauth/token with a wrong secret is 401 in the OAuth error shape", async () => {
  const response = await api.call("POST", "/oauth/token", {
    token: null,
    form: { grant_type: "client_credentials", domain: org, client_id: keys.sandbox.client_id, client_secret: "wrong" },
  });
  assert.equal(response.status, 401);
  assert.deepEqual(response.body, { error: "invalid_client", error_description: "invalid client credentials", code: "invalid_client_credentials" });
});

test("POST /api/v2/organizations with form fields and email_domains[]", async () => {
  api.token = await api.tokenFor("communitiz-app", keys.sandbox);
  const response = await api.call("POST", "/api/v2/organizations", {
    raw: "name=Communitiz+App&email_domains[]=communitiz.app",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(response.status, 201);
  assert.equal(response.body.domain, "communitiz-app");
  assert.deepEqual(response.body.email_domains, ["communitiz.app"]);
  assert.equal(response.body.environment, "sandbox");
});

test("POST users with multipart profile[email]; a duplicate email is 422", async () => {
  const org = await organization();
  const response = await api.call("POST", `/api/v2/org/${org}/users`, { multipart: { "profile[email]": "emilie@communitiz-app.co" } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  assert.equal(response.body.profile.email, "emilie@communitiz-app.co");

  const again = await api.call("POST", `/api/v2/org/${org}/users`, { form: { "profile[email]": "Emilie@Communitiz-App.co" } });
  assert.equal(again.status, 422);
  assert.equal(again.body.error_description, "email has already been taken");
});

test("GET users with page and per_page; GET a user by id and by email", async () => {
  const org = await organization();
  const userId = await user(org);
  const list = await api.call("GET", `/api/v2/org/${org}/users?page=1&per_page=10`);
  assert.equal(list.status, 200);
  assert.equal(list.body.total_count, 1);
  assert.equal(list.body.data[0].id, userId);
  assert.equal(list.body.next_page, null);
  const byId = await api.call("GET", `/api/v2/org/${org}/users/${userId}`);
  const byEmail = await api.call("GET", `/api/v2/org/${org}/users/${encodeURIComponent("EMILIE@communitiz-app.co")}`);
  assert.equal(byId.body.id, userId);
  assert.equal(byEmail.body.id, userId);
});

test("enrollment needs an active connection", async () => {
  const org = await organization();
  const response = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { form: { user_id: await user(org), force_enroll: "false" } });
  assert.equal(response.status, 409);
  assert.match(response.body.error_description, /not active/);
});

test("PUT and GET the TOTP connection with -d active=true", async () => {
  const org = await organization();
  const put = await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { form: { active: "true" } });
  assert.equal(put.status, 200);
  const get = await api.call("GET", `/api/v2/org/${org}/totp-connection`);
  assert.deepEqual(
    { active: get.body.active, method: get.body.method, digits: get.body.digits, period: get.body.period },
    { active: true, method: "totp_app", digits: 6, period: 30 },
  );
  const nonsense = await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { form: { digits: "12" } });
  assert.equal(nonsense.status, 422);
  assert.equal(nonsense.body.field, "digits");
});

test("POST totp-enrollment returns an otpauth URI, the secret and five recovery codes", async () => {
  const org = await organization({ active: true });
  const response = await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { form: { user_id: await user(org), force_enroll: "false" } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const { secret } = response.body;
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(response.body.otpauth_uri, `otpauth://totp/Communitiz%20App:emilie%40communitiz-app.co?secret=${secret}&issuer=Communitiz%20App`);
  assert.equal(response.body.recovery_codes.split("\n").length, 5);
  assert.equal(response.body.status, "pending");
});

test("PUT totp-enrollment/validation: a wrong code leaves it pending, the right one activates", async () => {
  const org = await organization({ active: true });
  const userId = await user(org);
  const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: userId } })).body;
  const step = currentStep();
  const wrong = String((Number(codeAtStep(secret, step)) + 1) % 1e6).padStart(6, "0");
  const bad = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${userId}`, { form: { code: wrong } });
  assert.equal(bad.status, 200);
  assert.equal(bad.body.success, false);
  const good = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${userId}`, { form: { code: codeAtStep(secret, step) } });
  assert.equal(good.body.success, true, JSON.stringify(good.body));
});

test("POST totp-challenge then validation; the same code never twice", async () => {
  const org = await organization({ active: true });
  const { user: userId, secret } = await api.enrolledUser(org, "emilie@communitiz-app.co");
  const challenge = await api.call("POST", `/api/v2/org/${org}/totp-challenge/${userId}`);
  assert.equal(challenge.status, 201);
  assert.equal(challenge.body.method, "totp_app");
  assert.equal(challenge.body.code, undefined);
  const code = codeAtStep(secret, currentStep() + 1); // newer than the enrollment's, inside the window
  const first = await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${userId}`, { form: { code } });
  const factor = (await api.call("GET", `/api/v2/org/${org}/users/${userId}/factors`)).body.data[0].id;
  assert.deepEqual(first.body, { success: true, recovery_code_used: false, reenrollment_required: false, failed_attempts: 0, recovery_codes_remaining: 5, factor_id: factor });
  const replay = await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${userId}`, { form: { code } });
  assert.equal(replay.body.success, false);
});

test("the audit trail lists what happened, newest first", async () => {
  const org = await organization({ active: true });
  const { user: userId, secret } = await api.enrolledUser(org, "emilie@communitiz-app.co");
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/${userId}`);
  const code = codeAtStep(secret, currentStep() + 1);
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${userId}`, { json: { code } });
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${userId}`, { json: { code } });
  const response = await api.call("GET", `/api/v2/org/${org}/audit-events?per_page=3`);
  assert.equal(response.status, 200);
  assert.deepEqual(response.body.data.map((e) => e.event), ["validation.failed", "validation.succeeded", "challenge.created"]);
  assert.equal(response.body.total_count, 7, "with connection.updated, user.created, enrollment.created and .validated");
});
