// Instantiates the OPTIMISED otp-web package (wasm-opt from npm binaryen), as a page would:
// a module that validates but fails to instantiate must fail here, not in a user's browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import init, { Totp, buildOtpauthUri, currentCode, parseOtpauthUri, renderQrSvg, secondsRemaining } from "../../crates/otp-web/pkg/otp_web.js";

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

test("renderQrSvg draws an accessible SVG and refuses what is not an otpauth URI", () => {
  const svg = renderQrSvg(RFC_URI, { title: "Scan <me>", dark: "#123456" });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<title id="qr-title">Scan &lt;me&gt;<\/title>/);
  assert.match(svg, /fill="#123456"/);
  assert.throws(() => renderQrSvg("otpauth://totp/x", {}), { message: "the secret parameter is missing" });
  assert.throws(() => renderQrSvg(RFC_URI, { dark: "red;x" }), /dark must be/);
});

test("buildOtpauthUri writes what parseOtpauthUri reads", () => {
  const uri = buildOtpauthUri({ issuer: "ACME", account: "jane", secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", digits: 8 });
  assert.equal(uri, RFC_URI);
  assert.throws(() => buildOtpauthUri({ account: "jane" }), { message: "secret is required" });
});

test("the Node build of the package works the same", () => {
  const require = createRequire(import.meta.url);
  const node = require("../../crates/otp-web/pkg-node/otp_web.js");
  assert.equal(node.currentCode(RFC_URI, 59), "94287082");
});

test("the package carries its name, version, types and README", async () => {
  const manifest = JSON.parse(await readFile(new URL("../../crates/otp-web/pkg/package.json", import.meta.url), "utf8"));
  assert.equal(manifest.name, "otp-web");
  assert.equal(manifest.version, "0.1.0");
  const types = await readFile(new URL("../../crates/otp-web/pkg/otp_web.d.ts", import.meta.url), "utf8");
  assert.match(types, /export function renderQrSvg\(otpauth_uri: string, options: QrOptions \| undefined\): string;/);
  assert.match(types, /export function parseOtpauthUri\(uri: string\): OtpauthKey;/);
  await readFile(new URL("../../crates/otp-web/pkg/README.md", import.meta.url), "utf8");
});

test("the Totp class generates and verifies without re-reading the URI", () => {
  const totp = new Totp(RFC_URI);
  assert.equal(totp.code(59), "94287082");
  assert.equal(totp.verify("94287082", 75, 1), 1);
  assert.equal(totp.verify("94287083", 75, 1), undefined);
  totp.free();
});
