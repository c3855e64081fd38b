// Instantiates the OPTIMISED otp-web package (wasm-opt from npm binaryen), as a page would:
// a module that validates but fails to instantiate must fail here, not in a user's browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import init, { currentCode, parseOtpauthUri, secondsRemaining } from "../../crates/otp-web/pkg/otp_web.js";

const wasmPath = new URL("../../crates/otp-web/pkg/otp_web_bg.wasm", import.meta.url);
const bytes = await readFile(wasmPath);
await init({ module_or_path: bytes });

// RFC 6238 Appendix B: the SHA-1 key "12345678901234567890", eight digits.
const RFC_URI = "otpauth://totp/ACME:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";

test("the package was optimised by wasm-opt (no name section left)", () => {
  const module = new WebAssembly.Module(bytes);
  assert.equal(WebAssembly.Module.customSections(module, "name").length, 0);
});

test("currentCode gives the RFC 6238 vectors", () => {
  assert.equal(currentCode(RFC_URI, 59), "94287082");
  assert.equal(currentCode(RFC_URI, 1111111109), "07081804");
  assert.equal(currentCode(RFC_URI, 20000000000), "65353130");
});

test("secondsRemaining counts down within the period", () => {
  assert.equal(secondsRemaining(RFC_URI, 60), 30);
  assert.equal(secondsRemaining(RFC_URI, 89), 1);
});

test("parseOtpauthUri returns the parameters but not the secret", () => {
  assert.deepEqual({ ...parseOtpauthUri(RFC_URI) }, {
    issuer: "ACME", account: "jane", algorithm: "SHA1", digits: 8, period: 30,
  });
});

test("bad input throws a JavaScript Error with a clear message", () => {
  assert.throws(() => parseOtpauthUri("https://example.com"), { name: "Error", message: "not an otpauth:// URI" });
  assert.throws(() => currentCode(RFC_URI, -1), /whole, non-negative/);
});
