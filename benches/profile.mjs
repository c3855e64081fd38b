// Where the time of a validation goes: first the workerd process's CPU time per validation (from
// /proc, no profiler attached: the figure to compare), then a V8 CPU profile of the isolate that
// runs the Worker and its organization objects (workerd runs both in one), taken through the
// inspector while autocannon sends wrong codes at 8 connections; the same for the naive
// JavaScript peer (benches/peer/) over the same users. Prints each function's self time per
// validation, in µs, and for the service the Worker's share and the object's, with the
// runtime's own work apart.
// Runs the deploy build with its function names (worker/build-profile/, `make profile`);
// `PROFILE_SECONDS` (5) and `PROFILE_TOP` (25) tune it, and `PROFILE_OUT` names a file prefix to
// keep both profiles under (`PREFIX.service.cpuprofile`, `PREFIX.peer.cpuprofile`: Chrome
// DevTools opens them).
import { writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { startApi } from "../tests/support/api.mjs";
import { codeAtStep } from "../tests/support/totp.mjs";
import { cpuSeconds, launched } from "./cpu.mjs";
import { startPeer } from "./peer/start.mjs";

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const TOP = Number(process.env.PROFILE_TOP ?? 25);
// Enough users that none reaches its 20 allowed failures in a run.
const USERS = 800;
const freePort = () => 9300 + Math.floor(Math.random() * 500);

/** A Chrome DevTools Protocol session with the inspector on `port`. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? (() => { throw new Error(JSON.stringify(targets)); })();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  let next = 0;
  const pending = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  return {
    send: (method, params = {}) => new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, (message) => (message.error ? reject(new Error(JSON.stringify(message.error))) : resolve(message.result)));
      socket.send(JSON.stringify({ id, method, params }));
    }),
    close: () => socket.close(),
  };
}

/** Wrong codes for `users` in turn at `url` with `token` for SECONDS: autocannon's result. */
function load(url, token, users) {
  let cursor = 0;
  return new Promise((resolve, reject) => autocannon({
    url,
    connections: 8,
    duration: SECONDS,
    requests: [{
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ code: "000000" }),
      setupRequest: (request) => {
        const { org, user } = users[cursor++ % users.length];
        return { ...request, path: `/api/v2/org/${org}/totp-challenge/validation/${user}` };
      },
    }],
  }, (error, done) => {
    if (!error && done.non2xx) error = new Error(`${done.non2xx} answers were not 200`);
    return error ? reject(error) : resolve(done);
  }));
}

/** The load on `pid`'s workerd without a profiler, then with one: its CPU time per validation. */
async function measured(pid, port, url, token, users) {
  const before = cpuSeconds(pid);
  const plain = await load(url, token, users);
  const cpu = ((cpuSeconds(pid) - before) * 1e6) / plain.requests.total;
  const session = await inspect(port);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 50 });
  await session.send("Profiler.start");
  const result = await load(url, token, users);
  const { profile } = await session.send("Profiler.stop");
  session.close();
  return { cpu, plain, profile, result };
}

/** Prints where the time of one validation went; `shares` splits the service's Rust frames. */
function report(title, { cpu, plain, profile, result }, shares) {
  const requests = result.requests.total;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const name = node.callFrame.functionName || `(anonymous ${node.callFrame.url.split("/").pop()})`;
    selfTime.set(name, (selfTime.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const perRequest = (us) => (us / requests).toFixed(1);
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
  const idle = selfTime.get("(idle)") ?? 0;
  console.log(`\n${title}: workerd CPU ${cpu.toFixed(0)} µs per validation without the profiler (${Math.round(plain.requests.average)}/s, p99 ${plain.latency.p99} ms)`);
  console.log(`under the profiler: ${requests} validations in ${SECONDS} s (${Math.round(result.requests.average)}/s, p99 ${result.latency.p99} ms); busy ${perRequest(total - idle)} µs per validation`);
  if (shares) {
    const split = shareOf(profile, byId);
    console.log(`per validation: Worker ${perRequest(split.worker)} µs, object ${perRequest(split.object)} µs, runtime and glue ${perRequest(split.runtime)} µs`);
  }
  console.log("self time per validation (µs), top functions:");
  for (const [name, us] of [...selfTime].filter(([name]) => name !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${perRequest(us).padStart(8)}  ${name.slice(0, 150)}`);
  }
}

/**
 * Each sample's share: the object's when an org_object function is on its stack, the Worker's
 * when another of the Worker's functions is, the runtime's otherwise (HTTP, the hop, GC).
 */
function shareOf(profile, byId) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const known = new Map();
  const share = (id) => {
    if (known.has(id)) return known.get(id);
    const name = byId.get(id).callFrame.functionName;
    const up = parent.get(id);
    const found = name.includes("org_object") || name.includes("OrgObject") ? "object"
      : up === undefined ? null
      : share(up) ?? (name.includes("totp_worker") || name.includes("totp_domain") ? "worker" : null);
    known.set(id, found);
    return found;
  };
  const shares = { worker: 0, object: 0, runtime: 0 };
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (node.callFrame.functionName === "(idle)") continue;
    shares[share(node.id) ?? "runtime"] += profile.timeDeltas[i] ?? 0;
  }
  return shares;
}

const servicePort = freePort();
const { running: api, pid: servicePid } = await launched(() => startApi({ listen: true, build: "build-profile", inspectorPort: servicePort }));
await api.bootstrap("profile-co");
const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Profile" } })).body.domain;
await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
const users = [];
for (let i = 0; i < USERS; i++) {
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `p${i}@profile.test` } } })).body.id;
  const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, Math.floor(Date.now() / 30000)) } });
  users.push({ org, user, secret });
}
const service = await measured(servicePid, servicePort, api.worker.url, api.token, users);
await api.stop();

let peerPort = freePort();
while (peerPort === servicePort) peerPort = freePort();
const { running: peer, pid: peerPid } = await launched(() => startPeer(users, { inspectorPort: peerPort }));
const naive = await measured(peerPid, peerPort, peer.url, peer.token, users);
await peer.stop();

if (process.env.PROFILE_OUT) {
  writeFileSync(`${process.env.PROFILE_OUT}.service.cpuprofile`, JSON.stringify(service.profile));
  writeFileSync(`${process.env.PROFILE_OUT}.peer.cpuprofile`, JSON.stringify(naive.profile));
}
report("service (deploy build)", service, true);
report("naive JavaScript peer", naive, false);
process.exit(0);
