// Verification of one wrong code (window of one step each side, SHA-1, 6 digits) in Node:
// otp-core compiled to WebAssembly (the otp-web package) against the npm packages otpauth and
// otplib, in one process. Prints ops/s and writes test-output/bench/node.json.
import { createRequire } from "node:module";
import { mkdir, writeFile } from "node:fs/promises";
import * as OTPAuth from "otpauth";
import { verifySync } from "otplib";

const require = createRequire(import.meta.url);
const { Totp } = require("../crates/otp-web/pkg-node/otp_web.js");

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const NOW = 1_800_000_015;
const URI = `otpauth://totp/Bench:bench?secret=${SECRET}&issuer=Bench`;

const ours = new Totp(URI);
const otpauth = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(SECRET), algorithm: "SHA1", digits: 6, period: 30 });
const valid = ours.code(NOW);
const wrong = String((Number(valid) + 1) % 1e6).padStart(6, "0");

const contenders = {
  "otp-core (wasm)": () => ours.verify(wrong, NOW, 1),
  otpauth: () => otpauth.validate({ token: wrong, timestamp: NOW * 1000, window: 1 }),
  otplib: () => verifySync({ secret: SECRET, token: wrong, epoch: NOW, epochTolerance: 30 }).valid,
};

// Each must refuse the wrong code and accept the valid one, or the comparison means nothing.
if (ours.verify(valid, NOW, 1) === undefined || otpauth.validate({ token: valid, timestamp: NOW * 1000, window: 1 }) === null
  || !verifySync({ secret: SECRET, token: valid, epoch: NOW, epochTolerance: 30 }).valid) {
  throw new Error("a contender does not accept the valid code");
}
for (const [name, run] of Object.entries(contenders)) {
  const result = run();
  if (result !== undefined && result !== null && result !== false) throw new Error(`${name} accepted a wrong code`);
}

function opsPerSecond(run, millis) {
  let count = 0;
  const end = process.hrtime.bigint() + BigInt(millis) * 1_000_000n;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 100; i++) run();
    count += 100;
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const results = {};
for (const [name, run] of Object.entries(contenders)) {
  opsPerSecond(run, 300); // warm up
  const rounds = Array.from({ length: 5 }, () => opsPerSecond(run, 1000)).sort((a, b) => a - b);
  results[name] = rounds[2];
  console.log(`${name.padEnd(18)} ${Math.round(results[name]).toLocaleString("en").padStart(12)} verifications/s (median of 5)`);
}
console.log(`otp-core / otpauth: ${(results["otp-core (wasm)"] / results.otpauth).toFixed(2)}x; otp-core / otplib: ${(results["otp-core (wasm)"] / results.otplib).toFixed(2)}x`);
await mkdir(new URL("../test-output/bench/", import.meta.url), { recursive: true });
await writeFile(new URL("../test-output/bench/node.json", import.meta.url), JSON.stringify(results, null, 2));
