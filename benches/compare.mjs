// Two builds of the Worker side by side: the workerd CPU time per wrong-code validation of each,
// measured in alternating short rounds over the same kind of organization, so that what this
// shared machine does meanwhile falls on both alike. For changes too small for `make bench` to
// tell from its noise. Usage: `node benches/compare.mjs build-a build-b` (directories under
// worker/, e.g. copies of worker/build-profile/ made before and after a change);
// `COMPARE_ROUNDS` (6) and `COMPARE_SECONDS` (3) tune it.
import autocannon from "autocannon";
import { startApi } from "../tests/support/api.mjs";
import { codeAtStep } from "../tests/support/totp.mjs";
import { cpuSeconds, launched } from "./cpu.mjs";

const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 6);
const SECONDS = Number(process.env.COMPARE_SECONDS ?? 3);
// Enough users that none reaches its 20 allowed failures over every round.
const USERS = 2000;
const builds = process.argv.slice(2);
if (builds.length !== 2) {
  console.error("usage: node benches/compare.mjs BUILD_A BUILD_B (directories under worker/)");
  process.exit(2);
}

/** The service on `build`, with USERS enrolled users in one organization, and its workerd. */
async function serve(build) {
  const { running: api, pid } = await launched(() => startApi({ listen: true, build }));
  await api.bootstrap("compare-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Compare" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true, max_attempts: 20 } });
  const users = [];
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < USERS) {
      const email = `u${next++}@compare.test`;
      const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email } } })).body.id;
      const { secret } = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
      const code = codeAtStep(secret, Math.floor(Date.now() / 30000));
      await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, { json: { code } });
      users.push(user);
    }
  }));
  return { build, api, pid, org, users, cursor: 0, cpu: [], rate: [], p99: [] };
}

/** One round of wrong codes at 8 connections against `side`. */
async function round(side) {
  const before = cpuSeconds(side.pid);
  const result = await new Promise((resolve, reject) => autocannon({
    url: side.api.worker.url,
    connections: 8,
    duration: SECONDS,
    requests: [{
      method: "POST",
      headers: { authorization: `Bearer ${side.api.token}`, "content-type": "application/json" },
      body: JSON.stringify({ code: "000000" }),
      setupRequest: (request) => ({ ...request, path: `/api/v2/org/${side.org}/totp-challenge/validation/${side.users[side.cursor++ % USERS]}` }),
    }],
  }, (error, done) => {
    if (!error && done.non2xx) error = new Error(`${side.build}: ${done.non2xx} answers were not 200`);
    return error ? reject(error) : resolve(done);
  }));
  side.cpu.push(((cpuSeconds(side.pid) - before) * 1e6) / result.requests.total);
  side.rate.push(result.requests.average);
  side.p99.push(result.latency.p99);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sides = [];
for (const build of builds) sides.push(await serve(build));
for (let i = 0; i < ROUNDS; i++) {
  // Alternating which goes first, so neither always follows the other's load.
  for (const side of i % 2 ? [...sides].reverse() : sides) await round(side);
}
for (const side of sides) {
  console.log(`${side.build.padEnd(24)} CPU ${median(side.cpu).toFixed(0)} µs per validation (rounds: ${side.cpu.map((us) => us.toFixed(0)).join(" ")}), ${Math.round(median(side.rate))}/s, p99 ${median(side.p99)} ms`);
}
const [a, b] = sides.map((side) => median(side.cpu));
console.log(`${builds[1]} against ${builds[0]}: ${(((b - a) / a) * 100).toFixed(1)}% CPU per validation`);
for (const side of sides) await side.api.stop();
process.exit(0);
