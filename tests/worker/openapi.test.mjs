// The served OpenAPI document is kept true: every operation it lists is exercised here, and
// every response (success and error) must be documented and match its schema.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Ajv2020 from "ajv/dist/2020.js";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

let api, doc;
before(async () => {
  api = await startApi();
  doc = (await api.call("GET", "/openapi.json")).body;
});
after(() => api?.dispose());

async function exerciseEveryOperation() {
  const keys = await api.bootstrap("openapi-co");
  await api.operator("GET", "/admin/accounts/openapi-co");
  await api.operator("GET", "/admin/accounts/openapi-co/api-keys");
  await api.call("GET", "/health");
  await api.call("GET", "/health/object");
  await api.call("POST", "/oauth/token", { token: null, json: { grant_type: "client_credentials", domain: "openapi-co", client_id: "x", client_secret: "y" } });
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Spec Org", email_domains: ["spec.test"] } })).body.domain;
  await api.call("GET", "/api/v2/organizations?page=1&per_page=5");
  await api.call("GET", `/api/v2/organizations/${org}`);
  await api.call("GET", "/api/v2/organizations/missing");
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "s@spec.test", given_name: "Spec", phone_number: "+33612345678" } } })).body.id;
  await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: "not-an-email" } } });
  await api.call("GET", `/api/v2/org/${org}/users`);
  await api.call("GET", `/api/v2/org/${org}/users/${user}`);
  await api.call("GET", `/api/v2/org/${org}/totp-connection`);
  await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 2 } });
  const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user, force_enroll: false } })).body;
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  const step = currentStep();
  await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, step) } });
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/${user}`);
  await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: codeAtStep(secret, step + 1) } });
  for (let i = 0; i < 3; i++) {
    await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "00000a" } });
  }
  await api.call("GET", `/api/v2/org/${org}/audit-events`);
  await api.call("GET", "/api/v2/organizations?per_page=0");
  await api.operator("DELETE", `/admin/accounts/openapi-co/api-keys/${keys.production.client_id}`);
  await api.operator("POST", "/admin/reseal", { json: { limit: 10 } });
  const { id } = (await api.call("GET", `/api/v2/organizations/${org}`)).body;
  await api.operator("GET", `/admin/organizations/${id}/export`);
  await api.operator("GET", "/admin/organizations/missing/export");
  await api.operator("POST", "/admin/reseal", { json: { limit: 0 } });
}

function operationFor(method, path) {
  const bare = path.split("?")[0];
  for (const [template, operations] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(bare) && operations[method.toLowerCase()]) return { template, operation: operations[method.toLowerCase()] };
  }
  return null;
}

test("the document is OpenAPI 3.1", () => {
  assert.equal(doc.openapi, "3.1.0");
});

test("every response matches the document, and every operation was exercised", async () => {
  api.log.length = 0;
  await exerciseEveryOperation();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const seen = new Set();
  for (const { method, path, status, body } of api.log) {
    const found = operationFor(method, path);
    assert.ok(found, `${method} ${path} is not in the document`);
    seen.add(`${method.toLowerCase()} ${found.template}`);
    let response = found.operation.responses[String(status)];
    assert.ok(response, `${method} ${found.template} answered ${status}, which is not documented`);
    if (response.$ref) response = doc.components.responses[response.$ref.split("/").pop()];
    const schema = response.content["application/json"].schema;
    const validate = ajv.compile(schema.$ref ? { $ref: `openapi${schema.$ref}` } : schema);
    assert.ok(validate(body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
  }
  const documented = Object.entries(doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((m) => `${m} ${template}`));
  const missing = documented.filter((operation) => !seen.has(operation) && operation !== "get /openapi.json");
  assert.deepEqual(missing, []);
});
