// Fuzzes every operation of the service's OpenAPI documents (the integrators' /openapi.json and
// the operator's /openapi-admin.json, each run on its own) with schemathesis (PyPI), every check
// on (what `--checks all` selects), authenticated with real tokens against a Worker with data: no
// 5xx, every answer matches the document (status, content type, headers, schema), every request
// the document allows is accepted and every request it forbids is refused. Two runs: the unit
// phases (examples, coverage, fuzzing) with real path parameters (an organization with an active
// TOTP connection, an enrolled user, an operator's account and key), then the stateful phase, whose
// requests follow the document's links from the creating operations (a new user's id to its
// enrollment, challenge and validation; an enrollment to its validation; a new account to its
// keys...) inside the real organization. FUZZ_EXAMPLES sets the examples per operation (make test:
// a few; make soak: many); FUZZ_SEED, the seed (fixed, so a run can be replayed).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startApi } from "../support/api.mjs";

const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 15);
const SEED = process.env.FUZZ_SEED ?? "20261128";
const SCHEMATHESIS = process.env.SCHEMATHESIS ?? "schemathesis";
const REFUSALS = fileURLToPath(new URL("./refusals.py", import.meta.url));
// What a request the document allows must get: a success, unless the operation names below
// why its well-formed requests may also be refused (what the server holds or has done).
const ACCEPTED = ["2xx"];
let api, dir, keys, real;

before(async () => {
  api = await startApi({ listen: true });
  keys = await api.bootstrap("fuzz-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Fuzz" } })).body;
  await api.call("PUT", `/api/v2/org/${org.domain}/totp-connection`, { json: { active: true } });
  const { user } = await api.enrolledUser(org.domain, "f@fuzz.test");
  // What the deleting operations delete, so the user above stays enrolled for the others.
  const { user: deleted } = await api.enrolledUser(org.domain, "d@fuzz.test");
  // Whom enroll enrolls again (a random user_id is only ever a 404).
  const { user: enrolling } = await api.enrolledUser(org.domain, "e@fuzz.test");
  // Whose TOTP connection updateTotpConnection changes, so the one above stays active.
  const configured = (await api.call("POST", "/api/v2/organizations", { json: { name: "Fuzz Connection" } })).body.domain;
  // What deleteOrganization deletes, so the organizations above stay.
  const doomed = (await api.call("POST", "/api/v2/organizations", { json: { name: "Fuzz Doomed" } })).body.domain;
  // The operator's routes work on an account of their own: revoking its key leaves the tenant's.
  await api.operator("POST", "/admin/accounts", { json: { domain: "fuzz-operator" } });
  const key = (await api.operator("POST", "/admin/accounts/fuzz-operator/api-keys", { json: { environment: "sandbox" } })).body;
  real = { org: org.domain, orgId: org.id, user, deleted, enrolling, configured, doomed, account: "fuzz-operator", clientId: key.client_id };
  dir = await mkdtemp(join(tmpdir(), "totp-fuzz-"));
});
after(async () => {
  await api?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const toml = (value) => JSON.stringify(value);

/**
 * Refusals of well-formed requests, by operation: what no schema can express (the 413s and 422s,
 * each held to its cause by refusals.py), and what the server holds or has done by then, the
 * same request sent many times over (each named; every other operation must succeed).
 */
const REFUSED = [
  // Made-up credentials of a valid shape; credentials in neither the body nor HTTP Basic (422).
  ["createToken", ["401", "422"]],
  // A domain generated twice is taken.
  ["createAccount", ["409"]],
  // The pinned key, revoked by an earlier example.
  ["revokeApiKey", ["404"]],
  // What the server holds: a taken email (the guide's "422 email has already been taken"), an
  // Idempotency-Key already used with other fields (422).
  ["createUser", ["422"]],
  ["updateUser", ["422"]],
  // A cursor is opaque to the document: one of no earlier page, or beside a page number, is a 422.
  ["listUsers", ["422"]],
  ["listAuditEvents", ["422"]],
  ["listOrganizations", ["422"]],
  // The pinned organization and user are deleted by the first example; the user's factor too.
  ["deleteOrganization", ["404"]],
  // The pinned organization holds users: a restore goes only into an empty one.
  ["restoreOrganization", ["409"]],
  ["deleteUser", ["404"]],
  ["deleteEnrollment", ["404"]],
  // Five re-enrollments without force, then 403; a generated user id of no user (a multipart
  // body's, which the pinned one does not replace), 404; five factors, then 409 for add_factor;
  // add_factor with force_enroll (422).
  ["enroll", ["403", "404", "409", "422"]],
  // Random codes: the pinned user backs off (429) and, after 100, is locked (403); 409 while
  // its factor is not in the state the operation needs (validated already, or pending again);
  // 422 for a code of another number of digits than the user's secret.
  ["validateEnrollment", ["403", "409", "422", "429"]],
  ["validateChallenge", ["403", "409", "422", "429"]],
  ["regenerateRecoveryCodes", ["403", "409", "422", "429"]],
  // A body over 16 KiB (413): 50 domains of 253 characters in multipart parts.
  ["createOrganization", ["413", "422"]],
  // A body over 256 KiB (413): 500 entries of unbounded strings; a short secret, add_factor
  // with replace (422).
  ["importFactors", ["413", "422"]],
  // Random tokens: ten failed verifications in ten minutes, then 429 for the pinned user.
  ["verifyTrustedDevice", ["429"]],
  // An endpoint URL the server does not take (scheme, host, this machine), or the
  // organization's ten endpoints reached (422 naming url); a generated endpoint id (404).
  ["createWebhook", ["422"]],
  ["updateWebhook", ["404", "422"]],
];

/**
 * In the stateful run, a scenario's own steps change what later steps find: a user it deleted
 * (404), a factor it removed or re-enrolled (404, 409). The operations that take a linked user
 * may meet those; creating operations may not.
 */
const LINKED = [
  // More organizations of one generated name than its 20 suffixes.
  ["createOrganization", ["409"]],
  ["getUser", ["404"]],
  ["updateUser", ["404"]],
  ["deleteUser", ["404"]],
  ["deleteEnrollment", ["404"]],
  ["enroll", ["404", "409"]],
  ["createChallenge", ["404", "409"]],
  ["validateEnrollment", ["404"]],
  ["validateChallenge", ["404"]],
  ["regenerateRecoveryCodes", ["404"]],
];

/** The statuses each operation named in `lists` may answer a request the document allows. */
function accepted(...lists) {
  const by = new Map();
  for (const [operation, statuses] of lists.flat()) by.set(operation, [...(by.get(operation) ?? []), ...statuses]);
  return [...by];
}

/** The documents the Worker serves: the integrators' API and the operator's routes. */
const DOCUMENTS = { integrators: "openapi.json", operators: "openapi-admin.json" };

/**
 * The schemathesis config for the document whose operation ids are `ids`: checks, tokens and
 * exceptions, with the TOML lines `pinned`.
 */
function config(pinned, refused, ids) {
  const integrators = ids.has("enroll");
  return [
    "# Generated by tests/fuzz/schemathesis.test.mjs.",
    `hooks = ${toml(REFUSALS)}`,
    "",
    "# Every check, as `--checks all` selects them; selected here, not on the command line, where",
    "# a selection would override the exception for two operations at the end.",
    "[checks]",
    "enabled = true",
    "",
    "[generation]",
    "# Each run starts from its seed alone: no example database, no cache kept between runs.",
    'database = "none"',
    "[cache]",
    "enabled = false",
    "",
    "# The stateful phase follows the document's links (none inferred), up to 10 steps a scenario.",
    "[phases.stateful]",
    "max-steps = 10",
    "[phases.stateful.inference]",
    "algorithms = []",
    "",
    ...(integrators ? ["[auth.openapi.bearer]", 'bearer = "${FUZZ_TOKEN}"'] : ["[auth.openapi.operator]", 'bearer = "${FUZZ_OPERATOR_TOKEN}"']),
    "",
    "[parameters]",
    ...pinned,
    "",
    ...(integrators ? [
      "# Another organization's connection, so the one above stays active; the user enroll enrolls",
      "# when no link names one (a random user_id is only ever a 404).",
      "[[operations]]",
      'include-operation-id = "updateTotpConnection"',
      `parameters = { "path.org_domain" = ${toml(real.configured)} }`,
      "[[operations]]",
      'include-operation-id = "enroll"',
      `parameters = { "body.user_id" = ${toml(real.enrolling)} }`,
      "",
    ] : []),
    "# positive_data_acceptance: a request the document allows may still be refused for what no",
    "# schema can say: what the server holds (422: a taken email, an Idempotency-Key used with other",
    "# fields), the size of its body (413). These",
    "# operations let those statuses through; the check refused_only_for_what_no_schema_says",
    "# (tests/fuzz/refusals.py, the hooks above) fails any 413 or 422 to an allowed request that has",
    "# none of these causes.",
    ...refused.filter(([operation]) => ids.has(operation)).flatMap(([operation, statuses]) => [
      "[[operations]]",
      `include-operation-id = ${toml(operation)}`,
      `checks.positive_data_acceptance.expected-statuses = ${toml([...ACCEPTED, ...statuses])}`,
    ]),
    "",
    "# ensure_resource_availability reads a 404 that follows a creating POST as a lost resource",
    "# unless a DELETE of a prefix of its path came between. An enrollment (POST .../totp-enrollment)",
    "# is removed by DELETE .../users/{user_id} and DELETE .../totp-enrollment/{user_id}, which are",
    "# not prefixes of .../totp-enrollment/validation/{user_id} (the guide's paths), nor the first",
    "# of the second: a 404 of these two after such a delete is not a lost enrollment.",
    ...(integrators ? [
      "[[operations]]",
      'include-operation-id = ["validateEnrollment", "deleteEnrollment"]',
      "checks.ensure_resource_availability.enabled = false",
    ] : []),
  ].join("\n") + "\n";
}

/**
 * Runs schemathesis on the served `document` with `args` after the config of `pinned`; fails on
 * any failure or error.
 */
async function schemathesis(name, document, pinned, args, refused) {
  const file = join(dir, `${name}.toml`);
  const served = await (await fetch(`${api.worker.url}/${document}`)).json();
  const ids = new Set(Object.values(served.paths).flatMap((operations) => Object.values(operations).map((op) => op.operationId)));
  await writeFile(file, config(pinned, refused, ids));
  // A token of its own for each run: a token lasts 15 minutes.
  const token = await api.tokenFor("fuzz-co", keys.sandbox);
  // One worker: with two, Hypothesis describes strategies from two threads at once and
  // schemathesis stops on its own internal errors (KeyError, "AST constructor recursion depth
  // mismatch") in about one run in six.
  const argv = ["--config-file", file, "run", `${api.worker.url}/${document}`, "--url", api.worker.url, "--seed", SEED, "--workers", "1", "--no-color", ...args];
  const env = { ...process.env, SCHEMATHESIS_HOOKS: "", FUZZ_TOKEN: token, FUZZ_OPERATOR_TOKEN: api.secrets.OPERATOR_TOKEN };
  const child = spawn(SCHEMATHESIS, argv, { cwd: dir, env });
  let output = "";
  child.stdout.on("data", (chunk) => { output += chunk; });
  child.stderr.on("data", (chunk) => { output += chunk; });
  const code = await new Promise((resolve) => child.on("close", resolve));
  const summary = output.split("\n").filter((line) => /passed|failed|errors?\b|Test cases|operations|Scenarios|API Links|Warnings/i.test(line)).slice(-10).join("\n");
  console.log(summary);
  assert.equal(code, 0, output.slice(-8000));
  return output;
}

for (const [audience, document] of Object.entries(DOCUMENTS)) {
  test(`every operation of the ${audience}' document, every check, real path parameters (${EXAMPLES} examples per operation)`, async () => {
    const output = await schemathesis(`unit-${audience}`, document, [
      `"path.org_domain" = ${toml(real.org)}`,
      `"path.domain" = ${toml(real.org)}`,
      `"path.user_id" = ${toml(real.user)}`,
      `"path.organization_id" = ${toml(real.orgId)}`,
      "",
      "[[operations]]",
      'include-path-regex = "^/admin/accounts/"',
      `parameters = { "path.domain" = ${toml(real.account)}, "path.client_id" = ${toml(real.clientId)} }`,
      "[[operations]]",
      'include-operation-id = ["deleteUser", "deleteEnrollment", "deleteFactor"]',
      `parameters = { "path.user_id" = ${toml(real.deleted)} }`,
      "[[operations]]",
      'include-operation-id = "deleteOrganization"',
      `parameters = { "path.domain" = ${toml(real.doomed)} }`,
    ], ["--phases", "examples,coverage,fuzzing", "--max-examples", String(EXAMPLES)], accepted(REFUSED));
    // Every operation of the document was exercised.
    const [, selected, total] = output.match(/Selected: (\d+)\/(\d+)/) ?? [];
    const [, tested] = output.match(/Tested: (\d+)/) ?? [];
    assert.ok(Number(total) >= (audience === "integrators" ? 21 : 9), `the document holds ${total} operations`);
    assert.deepEqual([Number(tested), Number(selected)], [Number(total), Number(total)], "operations not exercised");
  });
}

test("stateful: the document's links lead from each creating operation to what uses its answer", async () => {
  // Fixed: the organization (its TOTP connection is active), the user createChallenge
  // challenges, and the user enroll enrolls when no link names one. Everything else (users,
  // enrollments, challenges, organizations, accounts, keys) comes from the answers, through the
  // links. Well-formed requests only: a refused step ends its chain before the core, and the run
  // above already sends malformed ones to every operation.
  // The challenged user is made now: the runs above may enroll any existing user again (seen in
  // about one run in eight: this user pending, its challenges 409, 15 links followed), and a
  // challenge needs a validated factor.
  const { user: challenged } = await api.enrolledUser(real.org, "c@fuzz.test");
  const output = await schemathesis("stateful", DOCUMENTS.integrators, [
    `"path.org_domain" = ${toml(real.org)}`,
    // A challenge is for an active factor, which no new user reaches without a real code.
    "[[operations]]",
    'include-operation-id = "createChallenge"',
    `parameters = { "path.user_id" = ${toml(challenged)} }`,
  ], [
    "--phases", "stateful", "--mode", "positive", "--max-examples", String(4 * EXAMPLES),
  ], accepted(REFUSED, LINKED));
  // The scenarios followed the document's links: most of them, each run (seeded, so the same).
  const [, covered, selected] = output.match(/API Links:\s+(\d+) covered \/ (\d+) selected/) ?? [];
  assert.ok(Number(selected) >= 25, `only ${selected} links selected`);
  assert.ok(Number(covered) >= 18, `only ${covered} of ${selected} links followed`);
});

test("stateful, the operator's document: a new account's links lead to its keys", async () => {
  const output = await schemathesis("stateful-operators", DOCUMENTS.operators, [], [
    "--phases", "stateful", "--mode", "positive", "--max-examples", String(4 * EXAMPLES),
  ], accepted(REFUSED, LINKED));
  const [, covered, selected] = output.match(/API Links:\s+(\d+) covered \/ (\d+) selected/) ?? [];
  assert.ok(Number(selected) >= 5, `only ${selected} links selected`);
  assert.ok(Number(covered) >= 4, `only ${covered} of ${selected} links followed`);
});
