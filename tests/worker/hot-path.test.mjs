// The hot path: a warm tenant request reads no D1 (the token's key state and the organization
// directory come from per-isolate caches of bounded age) and makes exactly one call into the
// organization's object. A revoked key is refused at once by /oauth/token and on the isolate
// that revoked it, and everywhere within the cache age (here set to 2 s; 60 s by default).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { countsOf as countsOfLines } from "../support/worker.mjs";
import { testSecrets } from "../support/secrets.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const CACHE_SECONDS = 2;
let api, org, lines;

before(async () => {
  lines = [];
  api = await startApi({
    secrets: { ...testSecrets(), CONTROL_CACHE_SECONDS: String(CACHE_SECONDS) },
    onLog: (chunk) => lines.push(...chunk.toString().split("\n").filter(Boolean)),
  });
  await api.bootstrap("hot-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Hot" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
});
after(() => api?.dispose());

const countsOf = (operation) => countsOfLines(lines, operation);

test("a warm validation makes no D1 query and one object call", async () => {
  const { user, secret } = await api.enrolledUser(org, "warm@hot.test");
  const validate = (code) => api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code } });
  assert.equal((await validate("000000")).status, 200);
  const warm = await validate(codeAtStep(secret, currentStep() + 1));
  assert.equal(warm.body.success, true, JSON.stringify(warm.body));
  assert.deepEqual(await countsOf("validateChallenge"), { d1: 0, objects: 1 });
  // Control-plane routes still read D1, and the token route always does.
  await api.call("GET", "/api/v2/organizations");
  assert.ok((await countsOf("listOrganizations")).d1 >= 1);
});

test("a key revoked here is refused at once, by /oauth/token and by its tokens", async () => {
  const key = (await api.operator("POST", "/admin/accounts/hot-co/api-keys", { json: { environment: "sandbox" } })).body;
  const token = await api.tokenFor("hot-co", key);
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users`, { token })).status, 200);
  assert.equal((await api.operator("DELETE", `/admin/accounts/hot-co/api-keys/${key.client_id}`)).status, 200);
  assert.equal((await api.call("GET", `/api/v2/org/${org}/users`, { token })).status, 401);
  const again = await api.call("POST", "/oauth/token", {
    token: null,
    json: { grant_type: "client_credentials", domain: "hot-co", client_id: key.client_id, client_secret: key.client_secret },
  });
  assert.equal(again.status, 401);
});

test("a key revoked elsewhere stops working within the cache age", async () => {
  const key = (await api.operator("POST", "/admin/accounts/hot-co/api-keys", { json: { environment: "sandbox" } })).body;
  const token = await api.tokenFor("hot-co", key);
  const served = () => api.call("GET", `/api/v2/org/${org}/users`, { token }).then((r) => r.status);
  assert.equal(await served(), 200);
  // Revoked in D1 behind this isolate's back, as another isolate's revocation would be.
  await api.worker.db.prepare("UPDATE api_keys SET revoked_at = unixepoch() WHERE client_id = ?").bind(key.client_id).run();
  const revokedAt = Date.now();
  assert.equal(await served(), 200, "the cached state answered: no D1 read on a warm isolate");
  let status = 200;
  while (status === 200 && Date.now() - revokedAt < (CACHE_SECONDS + 2) * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await served();
  }
  const delay = (Date.now() - revokedAt) / 1000;
  assert.equal(status, 401, `still served ${delay} s after the revocation`);
  assert.ok(delay <= CACHE_SECONDS + 1.5, `refused only after ${delay} s`);
});

test("requests that miss the caches together all succeed (no I/O shared across requests)", async () => {
  // Workers bind I/O to the request that started it: a cache fill awaited by other requests
  // fails them with 500s under load. Each round starts from entries no request has read yet.
  for (let round = 0; round < 5; round++) {
    const key = (await api.operator("POST", "/admin/accounts/hot-co/api-keys", { json: { environment: "sandbox" } })).body;
    const token = await api.tokenFor("hot-co", key);
    const fresh = (await api.call("POST", "/api/v2/organizations", { json: { name: `Cold ${round}` }, token })).body.domain;
    const answers = await Promise.all(Array.from({ length: 40 }, () =>
      api.call("GET", `/api/v2/org/${fresh}/totp-connection`, { token })));
    assert.deepEqual([...new Set(answers.map((r) => r.status))], [200], JSON.stringify(answers.find((r) => r.status !== 200)?.body));
  }
});
