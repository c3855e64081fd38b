// The browser package as an integrator's bundler takes it: `npm pack`ed, installed into a page's
// project, built by Vite, esbuild and webpack as the package's README says, served on loopback
// and opened in Debian's Chromium, where the page draws the enrollment QR code and a code.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const PACKAGE = fileURLToPath(new URL("../../crates/otp-web/pkg/", import.meta.url));
// RFC 6238 Appendix B's SHA-1 key, eight digits: its code at 59 s is 94287082.
const RFC_URI = "otpauth://totp/ACME:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

let dir, browser;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "otp-web-bundlers-"));
  // The package as published: packed, then unpacked where a project's dependencies go.
  const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", PACKAGE, "--json", "--pack-destination", dir], { encoding: "utf8" }));
  const installed = join(dir, "node_modules", "@headless-totp", "otp-web");
  await mkdir(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(dir, filename), "-C", installed, "--strip-components=1"]);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const PAGE = `<!doctype html><meta charset="utf-8"><title>enroll</title>
<div id="qr"></div><p id="code"></p><script type="module" src="./main.js"></script>`;

/** The page's script: `init` as the README shows it for each bundler. */
const script = (init) => `import init, { currentCode, renderQrSvg } from "@headless-totp/otp-web";
${init}
document.getElementById("qr").innerHTML = renderQrSvg(${JSON.stringify(RFC_URI)});
document.getElementById("code").textContent = currentCode(${JSON.stringify(RFC_URI)}, 59);
`;

/** A project of its own for one bundler, sharing the installed package. */
async function project(name, init) {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  await cp(join(dir, "node_modules"), join(root, "node_modules"), { recursive: true });
  await writeFile(join(root, "index.html"), PAGE);
  await writeFile(join(root, "main.js"), script(init));
  return root;
}

/** Serves `root` on loopback, opens it in Chromium, and answers what the page drew. */
async function open(root, page = "index.html") {
  const server = createServer(async (request, response) => {
    const path = join(root, decodeURIComponent(new URL(request.url, "http://x").pathname));
    try {
      const body = await readFile(path.endsWith("/") ? join(path, page) : path);
      response.writeHead(200, { "content-type": TYPES[extname(path)] ?? "text/html" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(error.message));
  try {
    await tab.goto(`http://127.0.0.1:${server.address().port}/${page}`);
    await tab.waitForSelector("#qr svg", { timeout: 20_000 }).catch(() => {});
    return {
      svg: await tab.locator("#qr svg").count(),
      code: await tab.locator("#code").textContent(),
      errors,
    };
  } finally {
    await tab.close();
    server.close();
  }
}

function drawn(result, bundler) {
  assert.deepEqual(result.errors, [], `${bundler}: the page threw`);
  assert.equal(result.svg, 1, `${bundler}: no QR code drawn`);
  assert.equal(result.code, "94287082", `${bundler}: the code at 59 s`);
}

test("Vite builds a page that draws the QR code: `await init()` finds the module", async () => {
  const root = await project("vite", "await init();");
  const { build } = await import("vite");
  await build({ root, logLevel: "silent", build: { outDir: "dist", target: "es2022" } });
  drawn(await open(join(root, "dist")), "Vite");
});

test("webpack builds a page that draws the QR code: `await init()` finds the module", async () => {
  const root = await project("webpack", "await init();");
  const { default: webpack } = await import("webpack");
  const stats = await new Promise((resolve, reject) => webpack({
    mode: "production",
    context: root,
    entry: "./main.js",
    output: { path: join(root, "dist"), filename: "main.js", publicPath: "" },
  }, (error, result) => (error ? reject(error) : resolve(result))));
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  await cp(join(root, "index.html"), join(root, "dist", "index.html"));
  drawn(await open(join(root, "dist")), "webpack");
});

test("esbuild builds a page that draws the QR code: the module's URL comes from its file loader", async () => {
  const root = await project("esbuild", `import wasm from "@headless-totp/otp-web/otp_web_bg.wasm";
await init({ module_or_path: wasm });`);
  const esbuild = await import("esbuild");
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["main.js"],
    bundle: true,
    format: "esm",
    outdir: "dist",
    loader: { ".wasm": "file" },
    logLevel: "silent",
  });
  await cp(join(root, "index.html"), join(root, "dist", "index.html"));
  drawn(await open(join(root, "dist")), "esbuild");
});
