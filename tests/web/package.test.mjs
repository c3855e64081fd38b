// Instantiates the OPTIMISED otp-web package (wasm-opt from npm binaryen), as a page would:
// a module that validates but fails to instantiate must fail here, not in a user's browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { createRequire } from "node:module";
import init, { Totp, buildOtpauthUri, currentCode, parseOtpauthUri, renderQrSvg, secondsRemaining } from "../../crates/otp-web/pkg/otp_web.js";

const PACKAGE = fileURLToPath(new URL("../../crates/otp-web/pkg/", import.meta.url));
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

test("npm packs what an integrator would publish: a scoped name, real fields, the types, a README for bundlers", () => {
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", PACKAGE], { encoding: "utf8" }));
  assert.equal(packed.name, "@headless-totp/otp-web");
  assert.equal(packed.version, "0.1.0");
  assert.deepEqual(packed.files.map((file) => file.path).sort(),
    ["README.md", "otp_web.d.ts", "otp_web.js", "otp_web_bg.wasm", "package.json"]);
  const manifest = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8"));
  assert.equal(manifest.license, "Apache-2.0");
  assert.ok(manifest.keywords.includes("totp"), "keywords");
  assert.ok(!JSON.stringify(manifest).includes("example.invalid"), "no placeholder field");
  assert.equal(manifest.types, "otp_web.d.ts");
  const readme = readFileSync(join(PACKAGE, "README.md"), "utf8");
  for (const bundler of ["Vite", "webpack", "esbuild"]) assert.match(readme, new RegExp(bundler), `README: ${bundler}`);
  assert.match(readme, /--target nodejs`\) exists for server-side previews and tests; it reads\s+the module from disk and is not for browsers or bundlers/);
});

test("TypeScript accepts the calls the README shows, options left out included, and refuses a wrong one", () => {
  const dir = mkdtempSync(join(tmpdir(), "otp-web-types-"));
  try {
    const good = join(dir, "good.ts");
    const bad = join(dir, "bad.ts");
    const from = JSON.stringify(join(PACKAGE, "otp_web.js"));
    writeFileSync(good, `import init, { renderQrSvg, currentCode, parseOtpauthUri } from ${from};
await init();
const uri: string = "otpauth://totp/x?secret=AAAA";
const plain: string = renderQrSvg(uri);
const styled: string = renderQrSvg(uri, { moduleSize: 5, errorCorrection: "Q" });
const code: string = currentCode(uri, Math.floor(Date.now() / 1000));
const digits: 6 | 7 | 8 = parseOtpauthUri(uri).digits;
export { plain, styled, code, digits };
`);
    writeFileSync(bad, `import { renderQrSvg } from ${from};
export const svg = renderQrSvg("u", { errorCorrection: "X" });
`);
    const diagnostics = (file) => {
      const program = ts.createProgram([file], {
        strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], skipLibCheck: false,
      });
      return ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    };
    assert.deepEqual(diagnostics(good), []);
    assert.ok(diagnostics(bad).some((d) => d.startsWith("TS2322")), "an unknown error correction level type-checks");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a time in milliseconds (Date.now()) is refused, not read as a far-off step", () => {
  assert.throws(() => currentCode(RFC_URI, Date.now()), /milliseconds.*Math\.floor\(Date\.now\(\) \/ 1000\)/);
  assert.throws(() => secondsRemaining(RFC_URI, Date.now()), /milliseconds/);
  assert.equal(currentCode(RFC_URI, Math.floor(Date.now() / 1000)).length, 8);
});

test("the Totp class generates and verifies without re-reading the URI", () => {
  const totp = new Totp(RFC_URI);
  assert.equal(totp.code(59), "94287082");
  assert.equal(totp.verify("94287082", 75, 1), 1);
  assert.equal(totp.verify("94287083", 75, 1), undefined);
  totp.free();
});
