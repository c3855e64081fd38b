// Where the time of a validation goes: a V8 CPU profile of the isolate that runs the Worker and
// its organization objects (workerd runs both in one), taken through the inspector while
// autocannon sends wrong codes at 8 connections. Prints each function's self time per
// validation, in µs, grouped into the Worker's share and the object's, with the runtime's own
// work apart. Runs the deploy build with its function names (worker/build-profile/, `make
// profile`); `PROFILE_SECONDS` (5) and `PROFILE_TOP` (25) tune it.
import autocannon from "autocannon";
import { startApi } from "../tests/support/api.mjs";
import { codeAtStep } from "../tests/support/totp.mjs";

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const TOP = Number(process.env.PROFILE_TOP ?? 25);
const USERS = 200;
const port = 9300 + Math.floor(Math.random() * 500);

const api = await startApi({ listen: true, build: "build-profile", inspectorPort: port });
await api.bootstrap("profile-co");
const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Profile" } })).body.domain;
await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
const users = [];
for (let i = 0; i < USERS; i++) {
  const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email: `p${i}@profile.test` } } })).body.id;
  const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
  await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code: codeAtStep(secret, Math.floor(Date.now() / 30000)) } });
  users.push(user);
}

/** A Chrome DevTools Protocol session with the isolate's inspector. */
async function inspect() {
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

const session = await inspect();
await session.send("Profiler.enable");
await session.send("Profiler.setSamplingInterval", { interval: 50 });
await session.send("Profiler.start");
let cursor = 0;
const result = await new Promise((resolve, reject) => autocannon({
  url: api.worker.url,
  connections: 8,
  duration: SECONDS,
  requests: [{
    method: "POST",
    headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
    body: JSON.stringify({ code: "000000" }),
    setupRequest: (request) => ({ ...request, path: `/api/v2/org/${org}/totp-challenge/validation/${users[cursor++ % USERS]}` }),
  }],
}, (error, done) => (error ? reject(error) : resolve(done))));
const { profile } = await session.send("Profiler.stop");
session.close();
await api.stop();

const requests = result.requests.total;
const selfTime = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const name = node.callFrame.functionName || `(anonymous ${node.callFrame.url.split("/").pop()})`;
  selfTime.set(name, (selfTime.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
// Each sample's share: the object's when an org_object function is on its stack, the Worker's
// when another of the Worker's functions is, the runtime's otherwise (HTTP, the hop, GC).
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const shareOf = new Map();
const share = (id) => {
  if (shareOf.has(id)) return shareOf.get(id);
  const name = byId.get(id).callFrame.functionName;
  const up = parent.get(id);
  const found = name.includes("org_object") || name.includes("OrgObject") ? "object"
    : up === undefined ? null
    : share(up) ?? (name.includes("totp_worker") || name.includes("totp_domain") ? "worker" : null);
  shareOf.set(id, found);
  return found;
};
const shares = { worker: 0, object: 0, runtime: 0 };
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  if (node.callFrame.functionName === "(idle)") continue;
  shares[share(node.id) ?? "runtime"] += profile.timeDeltas[i] ?? 0;
}
const perRequest = (us) => (us / requests).toFixed(1);
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
const idle = selfTime.get("(idle)") ?? 0;
console.log(`${requests} validations in ${SECONDS} s (${Math.round(result.requests.average)}/s, p99 ${result.latency.p99} ms); busy ${perRequest(total - idle)} µs per validation`);
console.log(`per validation: Worker ${perRequest(shares.worker)} µs, object ${perRequest(shares.object)} µs, runtime and glue ${perRequest(shares.runtime)} µs`);
console.log("self time per validation (µs), top functions:");
for (const [name, us] of [...selfTime].filter(([name]) => name !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`${perRequest(us).padStart(8)}  ${name.slice(0, 150)}`);
}
process.exit(0);
