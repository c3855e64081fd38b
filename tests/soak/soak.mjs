// The soak: SOAK_SECONDS (600 by default) of mixed traffic at a steady SOAK_RATE actions/s on
// loopback (enrollments, validations right and wrong, recovery codes, reads, lists). Zero
// unexpected answers, and workerd's resident memory stays under SOAK_MAX_RSS_MB (printed each
// minute).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { workerdPids } from "../support/worker.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 50);
// workerd under Miniflare itself grows to about 650 MB of anonymous memory serving ~200k
// requests of a JavaScript hello-world on this machine (measured 2026-11-28), so the bound sits
// above that: a leak in the Worker, growing with every request, still crosses it.
const MAX_RSS_MB = Number(process.env.SOAK_MAX_RSS_MB ?? 1024);

/** The resident memory of `pids` in MB; throws if one cannot be read (the bound would then hold
 * by measuring nothing). */
function workerdRssMb(pids) {
  if (pids.length === 0) throw new Error("no workerd process to measure");
  return pids.reduce((sum, pid) => {
    const rss = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
    if (!rss) throw new Error(`workerd ${pid} reports no VmRSS`);
    return sum + Number(rss[1]) / 1024;
  }, 0);
}

test(`soak: ${SECONDS} s at ${RATE} actions/s`, async () => {
  const before = new Set(workerdPids());
  // Persisted on disk as deployed, so the bound measures the runtime, not an in-memory database.
  const state = await mkdtemp(join(tmpdir(), "totp-soak-"));
  const api = await startApi({ persistTo: state });
  const pids = workerdPids().filter((pid) => !before.has(pid));
  await api.bootstrap("soak-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Soak" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });

  const users = [];
  let sent = 0, unexpected = [], peakRss = 0, n = 0;
  const samples = [];
  const expect = (response, ...statuses) => {
    if (!statuses.includes(response.status)) unexpected.push(`${response.method} ${response.path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response;
  };
  const actions = [
    async () => {
      const user = expect(await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `s${n++}@soak.test` } } }), 201).body.id;
      if (users.length < 200) users.push(await api.enrolledUser(org, `e${n++}@soak.test`));
      return user;
    },
    async () => {
      const u = users[Math.floor(Math.random() * users.length)];
      if (u) expect(await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${u.user}`, { json: { code: "000000" } }), 200, 429);
    },
    async () => {
      const u = users[Math.floor(Math.random() * users.length)];
      if (u) expect(await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${u.user}`, { json: { code: codeAtStep(u.secret, currentStep()) } }), 200, 429);
    },
    async () => {
      const u = users[Math.floor(Math.random() * users.length)];
      if (u && u.recoveryCodes.length) expect(await api.call("POST", `/api/v2/org/${org}/totp-challenge/validation/${u.user}`, { json: { code: u.recoveryCodes.pop() } }), 200, 429);
    },
    async () => expect(await api.call("GET", `/api/v2/org/${org}/users?page=1&per_page=20`), 200),
    async () => {
      const u = users[Math.floor(Math.random() * users.length)];
      if (u) expect(await api.call("GET", `/api/v2/org/${org}/users/${u.user}`), 200);
    },
  ];

  const end = Date.now() + SECONDS * 1000;
  const inflight = new Set();
  while (Date.now() < end) {
    const started = Date.now();
    for (let i = 0; i < RATE; i++) {
      const action = actions[sent++ % actions.length];
      const p = action().catch((error) => unexpected.push(String(error))).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    const rss = workerdRssMb(pids);
    peakRss = Math.max(peakRss, rss);
    if (sent % (RATE * 60) < RATE) samples.push(Math.round(rss));
    api.log.length = 0; // keep the client's own memory flat
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
  }
  await Promise.all(inflight);
  console.log(`soak: ${sent} actions in ${SECONDS} s, ${users.length} enrolled users, peak workerd RSS ${peakRss.toFixed(0)} MB (bound ${MAX_RSS_MB} MB), ${unexpected.length} unexpected`);
  console.log(`workerd RSS each minute (MB): ${samples.join(", ")}`);
  await api.dispose();
  await rm(state, { recursive: true, force: true });
  assert.deepEqual(unexpected.slice(0, 10), []);
  assert.ok(peakRss < MAX_RSS_MB, `workerd used ${peakRss} MB`);
});
