// Gathers the figures of one `make bench` run into BENCHMARKS.md: criterion's estimates, the
// Node comparison and the API load test, with ratios against the targets of issue 5.
import { readFile, writeFile } from "node:fs/promises";
import { execSync } from "node:child_process";
import os from "node:os";

const read = async (path) => JSON.parse(await readFile(new URL(path, import.meta.url), "utf8"));
const criterion = async (name) =>
  (await read(`../target/criterion/verify/${name.replaceAll("/", "_")}/new/estimates.json`)).mean.point_estimate;
const perSecond = (ns) => 1e9 / ns;
const fmt = (n) => Math.round(n).toLocaleString("en");
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

const native = {};
for (const name of ["otp-core/wrong", "totp-rs/wrong", "otp-core/valid", "totp-rs/valid", "floor/3xHMAC-SHA1"]) {
  native[name] = await criterion(name);
}
const node = await read("../test-output/bench/node.json");
const api = await read("../test-output/bench/api.json");
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const rustc = execSync("rustc --version").toString().trim();
const nodeVersion = process.version;

const lines = [];
lines.push("# Benchmarks", "");
lines.push(`Produced by \`make bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${rustc}, Node ${nodeVersion}.`);
lines.push("Every comparison below comes from one run; figures from another machine are not comparable.", "");

lines.push("## 1. Core verification, native (criterion)", "");
lines.push("Window of one step each side, SHA-1, 6 digits. otp-core checks every step of the window in constant time; totp-rs stops at the first match.", "");
lines.push("| case | otp-core | totp-rs | otp-core / totp-rs | floor (3 × HMAC-SHA-1) | otp-core / floor |", "| --- | --- | --- | --- | --- | --- |");
for (const kind of ["wrong", "valid"]) {
  const ours = native[`otp-core/${kind}`], theirs = native[`totp-rs/${kind}`], floor = native["floor/3xHMAC-SHA1"];
  lines.push(`| ${kind} code | ${fmt(perSecond(ours))}/s (${ours.toFixed(0)} ns) | ${fmt(perSecond(theirs))}/s (${theirs.toFixed(0)} ns) | ${ratio(theirs, ours)} | ${fmt(perSecond(floor))}/s (${floor.toFixed(0)} ns) | ${(ours / floor).toFixed(2)}x the floor's time |`);
}
lines.push("", "Targets: at least 1.5x totp-rs, within 1.5x of the floor.", "");

lines.push("## 2. Core verification in Node (WebAssembly against npm packages)", "");
lines.push("| implementation | verifications/s | otp-core is |", "| --- | --- | --- |");
for (const [name, ops] of Object.entries(node)) {
  lines.push(`| ${name} | ${fmt(ops)} | ${name.startsWith("otp-core") ? "" : ratio(node["otp-core (wasm)"], ops)} |`);
}
lines.push("", "Target: at least 3x otpauth.", "");

lines.push(`## 3. The API on workerd (Miniflare, loopback, autocannon, ${api.seconds_per_run} s per run, ${api.users} users)`, "");
lines.push("| scenario | connections | requests/s | p50 ms | p99 ms | share of the no-op ceiling | errors / timeouts / other status |", "| --- | --- | --- | --- | --- | --- | --- |");
for (const [key, r] of Object.entries(api.load)) {
  const [name, conns] = key.split(" @");
  const ceiling = api.load[`no-op (404 route) @${conns}`].requests_per_second;
  lines.push(`| ${name} | ${conns} | ${fmt(r.requests_per_second)} | ${r.p50_ms} | ${r.p99_ms} | ${Math.round((100 * r.requests_per_second) / ceiling)}% | ${r.errors ?? "–"} / ${r.timeouts ?? "–"} / ${r.unexpected_status ?? r.unexpected} |`);
}
lines.push("", "Targets: validation at least 40% of the ceiling; p99 under 50 ms at 32 connections.", "");

lines.push("## 4. Sizes", "", "| wasm | raw bytes | gzip -9 bytes | budget (gzip) |", "| --- | --- | --- | --- |");
lines.push(`| worker | ${fmt(api.sizes.worker.raw)} | ${fmt(api.sizes.worker.gzip)} | 358,400 |`);
lines.push(`| otp-web | ${fmt(api.sizes["otp-web"].raw)} | ${fmt(api.sizes["otp-web"].gzip)} | 61,440 |`, "");

lines.push("## 5. Cold start", "", `Miniflare construction to the first 200 of \`GET /health\` on persisted state, median of 5: **${api.cold_start_ms} ms**.`, "");
lines.push("## How to run", "", "```sh", "make bench", "```", "");
await writeFile(new URL("../BENCHMARKS.md", import.meta.url), lines.join("\n"));
console.log(lines.join("\n"));
