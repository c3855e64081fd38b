// The API on workerd (Miniflare serving the built Worker on loopback, no wrangler proxy) under
// autocannon at 8 and 32 connections: the no-op route (an unknown path, answered 404 by the
// router: the runtime's ceiling), one round trip to an organization object and nothing else
// (the hop's cost), one D1 query, challenge validation with wrong codes and with correct
// next-step codes over many users, the same wrong-code load spread over 50 organizations, and
// GET user, and wrong codes in an organization with a webhook endpoint subscribed to every
// event. The D1 queries and object calls of every validation are read from the Worker's log
// line. Also cold start beside a JavaScript hello-world, and sizes; and the JavaScript peer
// (benches/peer/): its no-op route, its bare hop, its naive validation and the same keeping the
// rules.
// The Worker is the test build (the deploy build plus one header read): correct codes need more
// time steps than a run lasts, since the window is one step either side, so that scenario says
// with `x-test-now` that each round of users is one step later.
// Writes test-output/bench/api.json.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { startApi } from "../tests/support/api.mjs";
import { startReceiver } from "../tests/support/receiver.mjs";
import { testSecrets } from "../tests/support/secrets.mjs";
import { startWorker } from "../tests/support/worker.mjs";
import { cpuSeconds, launched } from "./cpu.mjs";
import { startPeer } from "./peer/start.mjs";
import { codeAtStep, currentStep } from "../tests/support/totp.mjs";

const USERS = 1500;
// One organization at scale: USERS enrolled users among LARGE (issue 25's rows).
const LARGE = Number(process.env.BENCH_LARGE_USERS ?? 100_000);
const ORGANIZATIONS = 50;
const CORRECT_USERS = 4000;
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);

async function parallel(count, limit, task) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  }));
}

/** An organization with an active connection and `count` users with validated factors. */
async function organization(api, name, count, connection) {
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, ...connection } });
  const users = [];
  await parallel(count, 16, async (i) => {
    const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `u${i}@${org}.test` } } })).body.id;
    const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
    // Validated with the step before the setup's pinned time, which the window accepts, so the
    // benchmark's codes are newer (and no step boundary passes between a code and its check).
    const validated = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, {
      json: { code: codeAtStep(secret, Math.floor(api.now / 30) - 1) },
    });
    if (!validated.body.success) throw new Error(`setup: ${JSON.stringify(validated.body)}`);
    users.push({ org, user, secret, email: `u${i}@${org}.test` });
  });
  return users;
}

async function setup() {
  const lines = [];
  const api = await startApi({ listen: true, testClock: true, onLog: (chunk) => lines.push(...chunk.toString().split("\n").filter(Boolean)) });
  // The setup runs at one pinned instant (the test build's x-test-now); the benchmark, after it.
  api.now = Math.floor(Date.now() / 1000);
  await api.bootstrap("bench-co");
  const single = await organization(api, "Bench", USERS, { max_attempts: 20 });
  const spread = [];
  for (let i = 0; i < ORGANIZATIONS; i++) {
    spread.push(...await organization(api, `Spread ${i}`, USERS / ORGANIZATIONS, { max_attempts: 20 }));
  }
  const correct = await organization(api, "Correct", CORRECT_USERS, { max_attempts: 20 });
  // The same organization as `single`, with one endpoint subscribed to every event, on a
  // receiver on this machine.
  const receiver = await startReceiver();
  const hooked = await organization(api, "Hooked", USERS, { max_attempts: 20 });
  const endpoint = await api.call("POST", `/api/v2/org/${hooked[0].org}/webhooks`, { json: { url: `${receiver.base}/ok` } });
  if (endpoint.status !== 201) throw new Error(`setup: ${JSON.stringify(endpoint.body)}`);
  receiver.secrets["/ok"] = endpoint.body.secret;
  // LARGE users in one organization: USERS of them enrolled, the rest created plain.
  const large = await organization(api, "Large", USERS, { max_attempts: 20 });
  const creating = performance.now();
  await parallel(LARGE - USERS, 32, async (i) => {
    const created = await api.call("POST", `/api/v2/org/${large[0].org}/users`, { json: { profile: { email: `p${i}@large.test` } } });
    if (created.status !== 201) throw new Error(`setup: ${JSON.stringify(created.body)}`);
  });
  const created = { users: LARGE - USERS, seconds: Math.round((performance.now() - creating) / 1000) };
  // The cursor of the list's last page: walked once, 100 at a time.
  let cursor = null, pages = 0;
  for (;;) {
    const page = await api.call("GET", `/api/v2/org/${large[0].org}/users?per_page=100${cursor ? `&starting_after=${cursor}` : ""}`);
    pages++;
    if (!page.body.next_cursor) break;
    cursor = page.body.next_cursor;
  }
  api.now = null;
  api.log.length = 0;
  return { api, lines, single, spread, correct, hooked, receiver, large, lastPage: { cursor, pages, created } };
}

/**
 * D1 reads of the first validation on a new runtime (a cold isolate), without the
 * organization's KV entry and then with it: the KV row of issue 25.
 */
async function coldIsolateD1Reads() {
  const state = await mkdtemp(join(tmpdir(), "totp-kv-"));
  const lines = [];
  const onLog = (chunk) => lines.push(...chunk.toString().split("\n").filter(Boolean));
  let api = await startApi({ persistTo: state, onLog });
  const { secrets } = api;
  await api.bootstrap("kv-co");
  const { token } = api;
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Cold" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const { user } = await api.enrolledUser(org, "cold@kv.test");
  await api.dispose();
  const first = async (forgetKv) => {
    api = await startApi({ secrets, persistTo: state, migrate: false, onLog });
    api.token = token;
    if (forgetKv) {
      const kv = await api.worker.mf.getKVNamespace("KV");
      for (const key of (await kv.list()).keys) await kv.delete(key.name);
    }
    lines.length = 0;
    await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${user}`, { json: { code: "000000" } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const line = lines.find((l) => l.includes(" validateChallenge "));
    await api.dispose();
    return Number(line.match(/d1=(\d+)/)[1]);
  };
  const result = { without_kv: await first(true), with_kv: await first(false) };
  await rm(state, { recursive: true, force: true });
  return result;
}

/** Bodies of the first 5xx answers, whose request ids are looked up in the Worker's log. */
const failures = [];

/**
 * Runs `request` for DURATION seconds; the result, the count of each status answered, and the
 * CPU time the workerd process `pid` spent per request (steadier than throughput here).
 */
async function run(url, connections, request, pid) {
  const before = cpuSeconds(pid);
  const result = await load(url, connections, request);
  return { ...result, cpu_us: Math.round(((cpuSeconds(pid) - before) * 1e6) / result.requests.total) };
}

function load(url, connections, request) {
  const statuses = {};
  const counted = {
    ...request,
    onResponse: (status, body, context) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 500 && failures.length < 20) failures.push(body);
      request.onResponse?.(status, body, context);
    },
  };
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: DURATION, requests: [counted] }, (error, result) => (error ? reject(error) : resolve({ ...result, statuses })));
  });
}

function summary(result, expectedStatus) {
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    cpu_us_per_request: result.cpu_us,
    // Connection errors and timeouts (autocannon counts requests cut off at the end of the
    // run among errors), and answers with another status than expected.
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected_status: expectedStatus === 200 ? result.non2xx : result.requests.total - (result.statusCodeStats?.[expectedStatus]?.count ?? 0),
    statuses: result.statuses,
  };
}

/** Milliseconds from constructing Miniflare to the first answer, median of `count`. */
async function coldStarts(count, start) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const stop = await start();
    times.push(performance.now() - started);
    await stop();
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(count / 2)]);
}

async function ourColdStart() {
  const state = await mkdtemp(join(tmpdir(), "totp-cold-"));
  const secrets = testSecrets();
  await (await startWorker({ bindings: secrets, persistTo: state })).dispose();
  const median = await coldStarts(5, async () => {
    const worker = await startWorker({ bindings: secrets, persistTo: state, migrate: false });
    const response = await worker.fetch("/health");
    if (response.status !== 200) throw new Error(`cold start answered ${response.status}`);
    return () => worker.dispose();
  });
  await rm(state, { recursive: true, force: true });
  return median;
}

/**
 * The same harness (startWorker: the same D1, KV and Durable Object bindings, the same
 * compatibility date) around a JavaScript hello-world module, so only the Worker differs.
 */
async function helloWorldColdStart() {
  const dir = await mkdtemp(join(tmpdir(), "totp-hello-"));
  await writeFile(join(dir, "index.js"), [
    'export default { async fetch() { return new Response("hello"); } };',
    'export class OrgObject { async fetch() { return new Response("ok"); } }',
  ].join("\n"));
  const median = await coldStarts(5, async () => {
    const worker = await startWorker({ scriptDir: dir, persistTo: join(dir, "state"), migrate: false });
    const response = await worker.fetch("/health");
    if (response.status !== 200) throw new Error(`hello-world answered ${response.status}`);
    await response.text();
    return () => worker.dispose();
  });
  await rm(dir, { recursive: true, force: true });
  return median;
}

async function size(path) {
  const bytes = await readFile(new URL(path, import.meta.url));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Round-robin over users, each request with a wrong code. */
function wrongCodes(users, prefix = "") {
  let cursor = 0;
  return (request) => {
    const { org, user } = users[cursor++ % users.length];
    return { ...request, path: `${prefix}/api/v2/org/${org}/totp-challenge/validation/${user}` };
  };
}

/**
 * Round-robin over users; round r happens at the time step r after the first (the test clock's
 * `x-test-now`), with that step's code. The steps it spanned, for the cache-renewal allowance.
 */
function correctCodes(users) {
  let cursor = 0, first = null;
  const generator = (request) => {
    first ??= currentStep() + 1;
    const { org, user, secret } = users[cursor % users.length];
    const step = first + Math.floor(cursor / users.length);
    generator.steps = step - first + 1;
    cursor++;
    return {
      ...request,
      path: `/api/v2/org/${org}/totp-challenge/validation/${user}`,
      headers: { ...request.headers, "x-test-now": String(step * 30) },
      body: JSON.stringify({ code: codeAtStep(secret, step) }),
    };
  };
  generator.steps = 0;
  return generator;
}

const { running: { api, lines, single, spread, correct, hooked, receiver, large, lastPage }, pid: servicePid } = await launched(setup);
const { running: peer, pid: peerPid } = await launched(() => startPeer(single));
const peerAuth = { authorization: `Bearer ${peer.token}`, "content-type": "application/json" };
const auth = { authorization: `Bearer ${api.token}`, "content-type": "application/json" };
const validation = { method: "POST", headers: auth, body: JSON.stringify({ code: "000000" }) };
const operator = { authorization: `Bearer ${api.secrets.OPERATOR_TOKEN}` };
let userCursor = 0;
let accepted = 0, checked = 0;
const correctGenerator = correctCodes(correct);
const scenarios = {
  "no-op (404 route)": [{ method: "GET", path: "/no-such-route", headers: auth }, 404],
  "one object hop": [{ method: "GET", path: "/admin/health/object", headers: operator }, 200],
  "deep health (1 D1 read, 1 hop)": [{ method: "GET", path: "/admin/health", headers: operator }, 200],
  "liveness (no D1)": [{ method: "GET", path: "/health" }, 200],
  "validate wrong code": [{ ...validation, setupRequest: wrongCodes(single) }, 200],
  "peer: no-op (404 route)": [{ method: "GET", path: "/no-such-route", headers: peerAuth }, 404, peer.url],
  "peer: one object hop": [{ method: "GET", path: "/hop" }, 200, peer.url],
  "peer: validate wrong code": [{ method: "POST", headers: peerAuth, body: JSON.stringify({ code: "000000" }), setupRequest: wrongCodes(single) }, 200, peer.url],
  "peer keeping the rules: validate wrong code": [{ method: "POST", headers: peerAuth, body: JSON.stringify({ code: "000000" }), setupRequest: wrongCodes(single, "/rules") }, 200, peer.url],
  "validate correct code": [{
    ...validation,
    setupRequest: correctGenerator,
    onResponse: (status, body) => { checked++; if (status === 200 && body.includes('"success":true')) accepted++; },
  }, 200],
  "validate wrong code, 50 orgs": [{ ...validation, setupRequest: wrongCodes(spread) }, 200],
  "validate wrong code, webhook on every event": [{ ...validation, setupRequest: wrongCodes(hooked) }, 200],
  "GET user": [{
    method: "GET",
    headers: auth,
    setupRequest: (request) => {
      const { org, user } = single[userCursor++ % single.length];
      return { ...request, path: `/api/v2/org/${org}/users/${user}` };
    },
  }, 200],
  [`validate wrong code, ${LARGE} users`]: [{ ...validation, setupRequest: wrongCodes(large) }, 200],
  [`GET user by id, ${LARGE} users`]: [{
    method: "GET",
    headers: auth,
    setupRequest: (request) => {
      const { org, user } = large[userCursor++ % large.length];
      return { ...request, path: `/api/v2/org/${org}/users/${user}` };
    },
  }, 200],
  [`GET user by email, ${LARGE} users`]: [{
    method: "GET",
    headers: auth,
    setupRequest: (request) => {
      const { org, email } = large[userCursor++ % large.length];
      return { ...request, path: `/api/v2/org/${org}/users/${encodeURIComponent(email)}` };
    },
  }, 200],
  [`first page of users, ${LARGE} users`]: [{ method: "GET", headers: auth, path: `/api/v2/org/${large[0].org}/users?per_page=100` }, 200],
  [`last page of users by cursor, ${LARGE} users`]: [{ method: "GET", headers: auth, path: `/api/v2/org/${large[0].org}/users?per_page=100&starting_after=${lastPage.cursor}` }, 200],
  [`last page of users by number, ${LARGE} users`]: [{ method: "GET", headers: auth, path: `/api/v2/org/${large[0].org}/users?per_page=100&page=${lastPage.pages}` }, 200],
};

const results = { load: {}, sizes: {}, cold_start_ms: null, seconds_per_run: DURATION, users: USERS, organizations: ORGANIZATIONS, large: { users: LARGE, pages: lastPage.pages, created: lastPage.created } };
const started = Date.now();
for (const connections of [8, 32]) {
  for (const [name, [request, status, url = api.worker.url]] of Object.entries(scenarios)) {
    const result = summary(await run(url, connections, request, url === peer.url ? peerPid : servicePid), status);
    results.load[`${name} @${connections}`] = result;
    console.log(`${name.padEnd(30)} ${String(connections).padStart(2)} conns: ${String(result.requests_per_second).padStart(6)} req/s  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms  (errors ${result.errors}, timeouts ${result.timeouts}, statuses ${JSON.stringify(result.statuses)}, CPU ${result.cpu_us_per_request} µs per request)`);
  }
}
const elapsed = (Date.now() - started) / 1000;
await new Promise((resolve) => setTimeout(resolve, 500));
await api.dispose();
await peer.stop();
results.webhooks_received = receiver.received.length;
results.webhooks_verified = receiver.received.filter((request) => request.verified).length;
await receiver.close();
results.server_errors = failures.map((body) => {
  const id = body.match(/"request_id":"([^"]+)"/)?.[1];
  return { body, log: id ? lines.filter((line) => line.includes(id)) : [] };
});
if (failures.length > 0) console.log(`server errors (first ${failures.length}): ${JSON.stringify(results.server_errors, null, 1)}`);

// Every validation's log line: `… validateChallenge 200 d1=N objects=M`.
const counted = lines.map((line) => line.match(/ validateChallenge \d+ d1=(\d+) objects=(\d+)/)).filter(Boolean);
const withD1 = counted.filter((m) => Number(m[1]) > 0).length;
// The only D1 reads a validation may make are cache fills: the key's state and each
// organization's entry (Bench, the 50, Correct, Hooked, Large) are read by every request that misses them
// together (at most one per connection) and renewed by one request every 50 s.
const entries = 1 + 1 + ORGANIZATIONS + 1 + 1 + 1;
const fills = entries * 32;
results.per_validation = {
  validations: counted.length,
  d1_queries: counted.reduce((sum, m) => sum + Number(m[1]), 0),
  with_a_d1_query: withD1,
  // The correct-code rounds move the clock on by one step each, renewing the entries as well.
  cache_fills_allowed: fills + entries * Math.ceil((elapsed + correctGenerator.steps * 30) / 50),
  object_calls_max: Math.max(...counted.map((m) => Number(m[2]))),
  object_calls_min: Math.min(...counted.map((m) => Number(m[2]))),
};
results.correct_codes = { checked, accepted };
console.log(`per validation: ${JSON.stringify(results.per_validation)}; correct codes accepted ${accepted} of ${checked}`);

results.cold_isolate_d1_reads = await coldIsolateD1Reads();
console.log(`D1 reads of a cold isolate's first validation: ${JSON.stringify(results.cold_isolate_d1_reads)}`);
results.cold_start_ms = await ourColdStart();
results.hello_world_cold_start_ms = await helloWorldColdStart();
console.log(`cold start (Miniflare construction to first answer, median of 5): ours ${results.cold_start_ms} ms (GET /health, liveness), JavaScript hello-world ${results.hello_world_cold_start_ms} ms`);
results.sizes.worker = await size("../worker/build/index_bg.wasm");
results.sizes["otp-web"] = await size("../crates/otp-web/pkg/otp_web_bg.wasm");
console.log(`sizes: ${JSON.stringify(results.sizes)}`);
await mkdir(new URL("../test-output/bench/", import.meta.url), { recursive: true });
await writeFile(new URL("../test-output/bench/api.json", import.meta.url), JSON.stringify(results, null, 2));
