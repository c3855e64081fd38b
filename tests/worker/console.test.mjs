// The demo console as each wrangler environment serves it, on workerd (Miniflare) over loopback
// HTTP: its assets come from wrangler's own reading of wrangler.toml (tests/support/worker.mjs,
// consoleAssets) and its headers from www/_headers, which Miniflare applies as Cloudflare does.
// Locally and in staging it is served with its Content-Security-Policy; production serves no
// console (the Worker answers 404) until wrangler.toml switches it on there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "../support/worker.mjs";
import { testSecrets } from "../support/secrets.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What every answer of the console carries (www/_headers). */
const CONSOLE_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};
const FILES = ["/", "/app.js", "/style.css", "/pkg/otp_web.js", "/pkg/otp_web_bg.wasm"];

/** The Worker on loopback with the console of wrangler environment `env` (of `config`). */
async function serving(env, config, check) {
  const worker = await startWorker({ bindings: testSecrets(), serve: true, env, config });
  try {
    await check((path, init) => fetch(`${worker.url}${path}`, { redirect: "manual", ...init }));
  } finally {
    await worker.dispose();
  }
}

async function assertConsoleServed(get) {
  for (const path of FILES) {
    const response = await get(path);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, path);
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) {
      assert.equal(response.headers.get(name), value, `${name} of ${path}`);
    }
    assert.ok(body.equals(await readFile(`${root}/www${path === "/" ? "/index.html" : path}`)), `${path} is not the file in www/`);
  }
  assert.match((await get("/")).headers.get("content-type"), /^text\/html\b/);
  assert.equal((await get("/pkg/otp_web_bg.wasm")).headers.get("content-type"), "application/wasm");
  // A redirect of the asset router carries them too.
  const redirect = await get("/index.html");
  assert.equal(redirect.status, 307);
  assert.equal(redirect.headers.get("content-security-policy"), CONSOLE_HEADERS["content-security-policy"]);
  // The headers file itself is never served; the Worker answers for it.
  await assertWorker404(get, "/_headers");
}

async function assertWorker404(get, path) {
  const response = await get(path);
  assert.equal(response.status, 404, path);
  assert.match(response.headers.get("content-type"), /^application\/json/, path);
  assert.deepEqual(await response.json(), { error: "not_found", error_description: "no such route", code: "route_not_found" }, path);
  // The Worker's own answer: the API's policy (no framing), not the console's.
  assert.equal(response.headers.get("content-security-policy"), "frame-ancestors 'none'", path);
}

test("the page has no inline script, style or event handler for the policy to block", async () => {
  const html = await readFile(`${root}/www/index.html`, "utf8");
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.ok(scripts.length > 0);
  for (const [, attributes, content] of scripts) {
    assert.match(attributes, /\ssrc="[^"]+"/, "an inline script");
    assert.equal(content.trim(), "", "an inline script");
  }
  assert.doesNotMatch(html, /<style\b/i, "a <style> element");
  assert.doesNotMatch(html, /<[^>]+\sstyle\s*=/i, "a style attribute");
  assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, "an inline event handler");
  assert.doesNotMatch(html, /javascript:/i, "a javascript: URL");
  const app = await readFile(`${root}/www/app.js`, "utf8");
  assert.doesNotMatch(app, /setAttribute\(\s*["'](style|on[a-z]+)["']|\beval\(|new Function\(/, "app.js does what the policy blocks");
});

test("locally (make dev: the top level and dev.sh's --assets) the console is served with its policy", async () => {
  await serving(undefined, undefined, assertConsoleServed);
});

test("staging serves the console with its policy", async () => {
  await serving("staging", undefined, assertConsoleServed);
});

test("production serves no console: its paths are the Worker's 404", async () => {
  await serving("production", undefined, async (get) => {
    for (const path of FILES) await assertWorker404(get, path);
    const health = await get("/health");
    assert.equal(health.status, 200, "the Worker itself is served");
  });
});

test("production serves the console once wrangler.toml switches it on as its comment says", async () => {
  const config = await readFile(`${root}/wrangler.toml`, "utf8");
  const switchedOn = config.replace(/^#\s+(\[env\.production\.assets\])\n#\s+(directory = "www")$/m, "$1\n$2");
  assert.notEqual(switchedOn, config, "wrangler.toml no longer says how to switch the console on in production");
  // A copy elsewhere: its assets directory made absolute, as it means the repository's www/.
  const dir = await mkdtemp(join(tmpdir(), "totp-console-"));
  try {
    await writeFile(join(dir, "wrangler.toml"), switchedOn.replaceAll('directory = "www"', `directory = "${root}/www"`));
    await serving("production", join(dir, "wrangler.toml"), assertConsoleServed);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
