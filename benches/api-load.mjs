// The API on workerd (Miniflare serving the built Worker on loopback, no wrangler proxy) under
// autocannon at 8 and 32 connections: (a) a route without I/O (an unknown path, answered 404
// by the router: the runtime's ceiling), (b) challenge validation with wrong codes spread over
// enough users that lockout never ends the run, (c) GET a user. Also cold start and sizes.
// Writes test-output/bench/api.json.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { startApi } from "../tests/support/api.mjs";
import { testSecrets } from "../tests/support/secrets.mjs";
import { startWorker } from "../tests/support/worker.mjs";

const USERS = 1500;
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);

async function parallel(count, limit, task) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  }));
}

async function setup() {
  const api = await startApi({ listen: true });
  await api.bootstrap("bench-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Bench" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
  const users = [];
  await parallel(USERS, 16, async (i) => {
    const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `u${i}@bench.test` } } })).body.id;
    await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } });
    users.push(user);
  });
  // Enrollments stay pending, so activate them directly: the benchmark measures validation.
  await api.worker.db.prepare("UPDATE factors SET status = 'active'").run();
  api.log.length = 0;
  return { api, org, users };
}

function run(url, connections, request) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: DURATION, requests: [request] }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function summary(result, expectedStatus) {
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    // Connection errors and timeouts (autocannon counts requests cut off at the end of the
    // run among errors), and answers with another status than expected.
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected_status: expectedStatus === 200 ? result.non2xx : result.requests.total - (result.statusCodeStats?.[expectedStatus]?.count ?? 0),
  };
}

async function coldStarts(count) {
  const state = await mkdtemp(join(tmpdir(), "totp-cold-"));
  const secrets = testSecrets();
  await (await startWorker({ bindings: secrets, persistTo: state })).dispose();
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const worker = await startWorker({ bindings: secrets, persistTo: state, migrate: false });
    const response = await worker.fetch("/health");
    if (response.status !== 200) throw new Error(`cold start answered ${response.status}`);
    times.push(performance.now() - started);
    await worker.dispose();
  }
  await rm(state, { recursive: true, force: true });
  return times.sort((a, b) => a - b)[Math.floor(count / 2)];
}

async function size(path) {
  const bytes = await readFile(new URL(path, import.meta.url));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const { api, org, users } = await setup();
const auth = { authorization: `Bearer ${api.token}`, "content-type": "application/json" };
let cursor = 0;
const scenarios = {
  "no-op (404 route)": [{ method: "GET", path: "/no-such-route", headers: auth }, 404],
  "health (1 D1 read)": [{ method: "GET", path: "/health" }, 200],
  "validate wrong code": [{
    method: "POST",
    headers: auth,
    body: JSON.stringify({ code: "000000" }),
    setupRequest: (request) => ({ ...request, path: `/api/v2/org/${org}/totp-challenge/validation/${users[cursor++ % users.length]}` }),
  }, 200],
  "GET user": [{
    method: "GET",
    headers: auth,
    setupRequest: (request) => ({ ...request, path: `/api/v2/org/${org}/users/${users[cursor++ % users.length]}` }),
  }, 200],
};

const results = { load: {}, sizes: {}, cold_start_ms: null, seconds_per_run: DURATION, users: USERS };
for (const connections of [8, 32]) {
  for (const [name, [request, status]] of Object.entries(scenarios)) {
    const result = summary(await run(api.worker.url, connections, request), status);
    results.load[`${name} @${connections}`] = result;
    console.log(`${name.padEnd(22)} ${String(connections).padStart(2)} conns: ${String(result.requests_per_second).padStart(6)} req/s  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms  (errors ${result.errors}, timeouts ${result.timeouts}, other status ${result.unexpected_status})`);
  }
}
await api.dispose();
results.cold_start_ms = Math.round(await coldStarts(5));
console.log(`cold start (Miniflare construction to first 200, median of 5): ${results.cold_start_ms} ms`);
results.sizes.worker = await size("../worker/build/index_bg.wasm");
results.sizes["otp-web"] = await size("../crates/otp-web/pkg/otp_web_bg.wasm");
console.log(`sizes: ${JSON.stringify(results.sizes)}`);
await mkdir(new URL("../test-output/bench/", import.meta.url), { recursive: true });
await writeFile(new URL("../test-output/bench/api.json", import.meta.url), JSON.stringify(results, null, 2));
