// The served OpenAPI document is kept true: every operation it lists is exercised here with
// the status each exchange must answer; every response of every worker suite is checked
// against it when the suite's API is disposed (tests/support/conformance.mjs).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { conformanceProblems, operationFor, servedDocument } from "../support/conformance.mjs";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, doc;
before(async () => {
  api = await startApi();
  doc = await servedDocument(api.worker.fetch);
});
after(() => api?.dispose());

/** Every operation, each exchange with the status it must answer. */
async function exerciseEveryOperation() {
  const expect = async (exchange, status) => {
    const answered = await exchange;
    assert.equal(answered.status, status, `${answered.method} ${answered.path}: ${JSON.stringify(answered.body)}`);
    return answered.body;
  };
  const keys = await api.bootstrap("openapi-co");
  await expect(api.operator("GET", "/admin/accounts/openapi-co"), 200);
  await expect(api.operator("GET", "/admin/accounts/openapi-co/api-keys"), 200);
  await expect(api.call("GET", "/health"), 200);
  await expect(api.operator("GET", "/admin/health"), 200);
  await expect(api.operator("GET", "/admin/health/object"), 200);
  await expect(api.call("POST", "/oauth/token", { token: null, json: { grant_type: "client_credentials", domain: "openapi-co", client_id: "x", client_secret: "y" } }), 401);
  const org = (await expect(api.call("POST", "/api/v2/organizations", { json: { name: "Spec Org", email_domains: ["spec.test"] } }), 201)).domain;
  await expect(api.call("GET", "/api/v2/organizations?page=1&per_page=5"), 200);
  const { id } = await expect(api.call("GET", `/api/v2/organizations/${org}`), 200);
  await expect(api.call("GET", "/api/v2/organizations/missing"), 404);
  const user = (await expect(api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "s@spec.test", given_name: "Spec", phone_number: "+33612345678" } } }), 201)).id;
  await expect(api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "not-an-email" } } }), 422);
  await expect(api.call("GET", `/api/v2/org/${org}/users`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/users/${user}`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/totp-connection`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/totp-enrollment/${user}`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/totp-enrollment/no-such-user`), 404);
  await expect(api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } }), 409);
  await expect(api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 2 } }), 200);
  const { secret } = await expect(api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, force_enroll: false } }), 201);
  await expect(api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`), 409);
  const step = currentStep();
  await expect(api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, step) } }), 200);
  await expect(api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`), 201);
  await expect(api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, step + 1) } }), 200);
  // A code of another shape is a 422 and does not count; wrong codes do, then back off.
  await expect(api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "00000a" } }), 422);
  const wrongCode = codeAtStep(secret, step + 40).replace(/\d$/, (digit) => String((Number(digit) + 1) % 10));
  for (const status of [200, 200, 429]) {
    await expect(api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: wrongCode } }), status);
  }
  await expect(api.call("POST", `/api/v2/org/${org}/totp-recovery-codes/${user}`, { json: { code: codeAtStep(secret, step + 1) } }), 429);
  await expect(api.call("PATCH", `/api/v2/org/${org}/users/${user}`, { json: { profile: { given_name: "Spec 2", phone_number: "" } } }), 200);
  await expect(api.call("PATCH", `/api/v2/org/${org}/users/${user}`, { json: { profile: { phone_number: "0612" } } }), 422);
  const [factor] = (await expect(api.call("GET", `/api/v2/org/${org}/users/${user}/factors`), 200)).data;
  await expect(api.call("PATCH", `/api/v2/org/${org}/users/${user}/factors/${factor.id}`, { json: { friendly_name: "Phone" } }), 200);
  await expect(api.call("PATCH", `/api/v2/org/${org}/users/${user}/factors/${factor.id}`, { json: { friendly_name: "" } }), 422);
  const added = await expect(api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, add_factor: true, friendly_name: "Backup" } }), 201);
  await expect(api.call("DELETE", `/api/v2/org/${org}/users/${user}/factors/${added.factor_id}`), 204);
  await expect(api.call("DELETE", `/api/v2/org/${org}/users/${user}/factors/${added.factor_id}`), 404);
  await expect(api.call("POST", `/api/v2/org/${org}/trusted-devices/verify/${user}`, { json: { device_token: "unknown" } }), 200);
  await expect(api.call("POST", `/api/v2/org/${org}/trusted-devices/verify/${user}`, { json: {} }), 422);
  await expect(api.call("GET", `/api/v2/org/${org}/users/${user}/trusted-devices`), 200);
  await expect(api.call("DELETE", `/api/v2/org/${org}/users/${user}/trusted-devices/unknown`), 404);
  await expect(api.call("DELETE", `/api/v2/org/${org}/users/${user}/trusted-devices`), 204);
  await expect(api.call("DELETE", `/api/v2/org/${org}/totp-enrollment/${user}`), 204);
  await expect(api.call("DELETE", `/api/v2/org/${org}/totp-enrollment/${user}`), 404);
  const hook = await expect(api.call("POST", `/api/v2/org/${org}/webhooks`, { json: { url: "https://hooks.example.com/totp", event_types: ["user.deleted"] } }), 201);
  await expect(api.call("POST", `/api/v2/org/${org}/webhooks`, { json: { url: "http://hooks.example.com/totp" } }), 422);
  await expect(api.call("GET", `/api/v2/org/${org}/webhooks`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/webhooks/${hook.id}`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/webhooks/missing`), 404);
  await expect(api.call("PATCH", `/api/v2/org/${org}/webhooks/${hook.id}`, { json: { enabled: false } }), 200);
  await expect(api.call("POST", `/api/v2/org/${org}/webhooks/${hook.id}/rotate-secret`), 200);
  await expect(api.call("GET", `/api/v2/org/${org}/webhooks/${hook.id}/deliveries`), 200);
  await expect(api.call("POST", `/api/v2/org/${org}/webhooks/${hook.id}/deliveries/msg_missing/retry`), 404);
  await expect(api.call("DELETE", `/api/v2/org/${org}/webhooks/${hook.id}`), 204);
  const imported = await expect(api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: [{ user_id: user, otpauth_uri: "otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1" }] } }), 200);
  assert.equal(imported.results[0].status, "error");
  await expect(api.call("POST", `/api/v2/org/${org}/totp-import`, { json: { factors: [] } }), 422);
  await expect(api.call("DELETE", `/api/v2/org/${org}/users/${user}`), 204);
  await expect(api.call("DELETE", `/api/v2/org/${org}/users/${user}`), 404);
  await expect(api.call("GET", `/api/v2/org/${org}/audit-events`), 200);
  await expect(api.call("GET", "/api/v2/organizations?per_page=0"), 422);
  await expect(api.operator("DELETE", `/admin/accounts/openapi-co/api-keys/${keys.production.client_id}`), 200);
  await expect(api.operator("POST", "/admin/reseal", { json: { limit: 10 } }), 200);
  await expect(api.operator("GET", `/admin/organizations/${id}/export`), 200);
  await expect(api.operator("GET", "/admin/organizations/missing/export"), 404);
  await expect(api.operator("POST", `/admin/organizations/${id}/restore`, { raw: "{}\n", headers: { "content-type": "application/x-ndjson" } }), 409);
  await expect(api.operator("POST", "/admin/reseal", { json: { limit: 0 } }), 422);
  const leaving = await expect(api.call("POST", "/api/v2/organizations", { json: { name: "OpenAPI Leaving" } }), 201);
  await expect(api.call("PATCH", `/api/v2/organizations/${leaving.domain}`, { json: { name: "OpenAPI Left" } }), 200);
  await expect(api.call("PATCH", `/api/v2/organizations/${leaving.domain}`, { json: { name: "" } }), 422);
  await expect(api.call("DELETE", `/api/v2/organizations/${leaving.domain}`), 204);
  await expect(api.call("DELETE", `/api/v2/organizations/${leaving.domain}`), 404);
}

test("the documents are OpenAPI 3.1; the operator's routes are in a document of their own", async () => {
  assert.equal(doc.openapi, "3.1.0");
  const integrators = (await api.call("GET", "/openapi.json", { token: null })).body;
  const operators = (await api.call("GET", "/openapi-admin.json", { token: null })).body;
  assert.ok(Object.keys(integrators.paths).every((path) => !path.startsWith("/admin")), "no operator route for integrators");
  assert.ok(Object.keys(operators.paths).some((path) => path.startsWith("/admin")));
  assert.deepEqual(integrators.servers, [{ url: "/" }], "relative: wherever the Worker is deployed");
});

test("every operation is exercised, answers as expected, and matches the document", async () => {
  api.log.length = 0;
  await exerciseEveryOperation();
  assert.deepEqual(conformanceProblems(doc, api.log), []);
  const seen = new Set(api.log.map(({ method, path }) => {
    const found = operationFor(doc, method, path);
    return found && `${method.toLowerCase()} ${found.template}`;
  }));
  const documented = Object.entries(doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((m) => `${m} ${template}`));
  const missing = documented.filter((operation) => !["get /openapi.json", "get /openapi-admin.json"].includes(operation) && !seen.has(operation));
  assert.deepEqual(missing, []);
});

test("no operation documents a server error", () => {
  const documented = Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).flatMap(([method, op]) => Object.keys(op.responses).filter((status) => status.startsWith("5")).map((status) => `${method} ${template} ${status}`)));
  assert.deepEqual(documented, []);
});
