// `wrangler deploy --dry-run` builds the exact upload of each environment without an account;
// check that it builds, that its wasm is the optimised Worker, and that it fits the limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../..", import.meta.url));
// Cloudflare's compressed size limit on the Free plan is 3 MB; keep a wide margin under it.
const BUDGET_GZIP = 1024 * 1024;

for (const env of ["staging", "production"]) {
  test(`the ${env} bundle builds, is optimised and fits the size limits`, async () => {
    const outdir = `${root}/test-output/bundle-${env}`;
    await rm(outdir, { recursive: true, force: true });
    const run = spawnSync("wrangler", ["deploy", "--dry-run", "--env", env, "--outdir", outdir], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    const log = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, log);
    assert.match(log, /--dry-run: exiting now/);
    const upload = log.match(/Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/);
    assert.ok(upload, log);

    const files = await readdir(outdir);
    const wasmFile = files.find((name) => name.endsWith(".wasm"));
    assert.ok(wasmFile, `no wasm in ${files}`);
    const wasm = await readFile(`${outdir}/${wasmFile}`);
    const built = await readFile(`${root}/worker/build/index_bg.wasm`);
    assert.ok(wasm.equals(built), "the bundle's wasm is the one worker-build optimised");
    // worker-build keeps the name section for stack traces, so compare with what cargo
    // emitted: wasm-bindgen and wasm-opt leave well under 70% of it.
    const raw = await readFile(`${root}/target/wasm32-unknown-unknown/release/totp_worker.wasm`);
    assert.ok(wasm.length < raw.length * 0.7, `${wasm.length} bytes is not optimised from ${raw.length}`);
    new WebAssembly.Module(wasm);
    // The test clock (cargo feature test-clock) is in the test build only, never uploaded.
    const testBuild = await readFile(`${root}/worker/build-test/index_bg.wasm`);
    assert.ok(testBuild.includes("x-test-now"), "the test build lacks the test clock: this check proves nothing");
    assert.ok(!wasm.includes("x-test-now"), "the upload carries the test clock");
    // So are the storage contract and its hook (cargo feature storage-contract), by its table.
    assert.ok(testBuild.includes("contract_probe"), "the test build lacks the storage contract: this check proves nothing");
    assert.ok(!wasm.includes("contract_probe"), "the upload carries the storage contract");
    // And the test build's canary and alarm hooks.
    for (const hook of ["/test/canary", "/test/alarm"]) {
      assert.ok(testBuild.includes(hook), `the test build lacks ${hook}: this check proves nothing`);
      assert.ok(!wasm.includes(hook), `the upload carries ${hook}`);
    }

    const gzip = gzipSync(wasm, { level: 9 }).length;
    console.log(`${env}: wrangler says ${upload[1]} / gzip ${upload[2]}; worker wasm ${wasm.length} bytes, ${gzip} bytes gzip -9`);
    assert.ok(gzip < BUDGET_GZIP, `${gzip} bytes gzip is over the ${BUDGET_GZIP} byte budget`);
    assert.match(log, new RegExp(`env.DB \\(headless-totp-${env}\\)`));
    // Each organization's Durable Object: bound as ORG, and its class exported by the upload.
    assert.match(log, /env\.ORG \(OrgObject\)\s+Durable Object/);
    const script = await readFile(`${outdir}/index.js`, "utf8");
    assert.match(script, /export\s*\{[^}]*\bas OrgObject\b/, "the bundle does not export the OrgObject class");
  });
}

/**
 * Runs scripts/deploy.sh against a copy of wrangler.toml, with a stand-in `wrangler` first on
 * PATH that records its arguments and never reaches Cloudflare: the refusals are proved without
 * any path to a real account, whatever this machine is logged in to.
 */
async function deployWith(edit) {
  const dir = await mkdtemp(join(tmpdir(), "totp-deploy-"));
  try {
    const config = join(dir, "wrangler.toml");
    await writeFile(config, edit(await readFile(`${root}/wrangler.toml`, "utf8")));
    const calls = join(dir, "calls");
    await mkdir(join(dir, "bin"));
    const standIn = join(dir, "bin", "wrangler");
    await writeFile(standIn, `#!/bin/sh\necho "$*" >> "${calls}"\necho "You are not authenticated. Please run wrangler login."\nexit 1\n`);
    await chmod(standIn, 0o755);
    const run = spawnSync("bash", ["scripts/deploy.sh", "staging"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, DEPLOY_CONFIG: config, PATH: `${join(dir, "bin")}:${process.env.PATH}` },
    });
    const called = await readFile(calls, "utf8").catch(() => "");
    return { status: run.status, stderr: run.stderr, called: called.split("\n").filter(Boolean) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("deploying refuses placeholder ids before calling wrangler at all", async () => {
  const run = await deployWith((config) => config);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /placeholder ids for staging/);
  assert.deepEqual(run.called, []);
});

test("deploying with real ids refuses when wrangler is not logged in, after whoami only", async () => {
  const run = await deployWith((config) => config.replace(/REPLACE_WITH_STAGING_[A-Z0-9_]+/g, "0123456789abcdef"));
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /not logged in/);
  assert.equal(run.called.length, 1, run.called.join("\n"));
  assert.match(run.called[0], /^whoami --config /);
});

/**
 * wrangler.toml as a copy in `dir` that wrangler reads as it reads the original: its paths made
 * absolute, and without the [build] command, so that a dry run packs the Worker already built in
 * worker/build/ instead of building it again.
 */
async function configCopy(dir, edit = (config) => config) {
  const config = edit(await readFile(`${root}/wrangler.toml`, "utf8"))
    .replace(/^\[build\]\n(?:(?!\[).*\n)*/m, "")
    .replace(/^(main|directory|migrations_dir) = "(?!\/)([^"]+)"$/gm, `$1 = "${join(root, "$2")}"`);
  assert.doesNotMatch(config, /^command = /m);
  const path = join(dir, "wrangler.toml");
  await writeFile(path, config);
  return path;
}

const switchOnInProduction = (config) => {
  const edited = config.replace(/^#\s+(\[env\.production\.assets\])\n#\s+(directory = "www")$/m, "$1\n$2");
  assert.notEqual(edited, config, "wrangler.toml no longer says how to switch the console on in production");
  return edited;
};

test("wrangler reads the console's assets in staging only, and in production once switched on", async () => {
  const { unstable_readConfig: readConfig } = await import("wrangler");
  const assets = (config, env) => {
    const found = readConfig({ config, env }).assets;
    return found && { ...found };
  };
  const config = `${root}/wrangler.toml`;
  // The top level has none (scripts/dev.sh passes --assets www to `wrangler dev` instead).
  assert.equal(assets(config, undefined), undefined);
  assert.deepEqual(assets(config, "staging"), { directory: "www" });
  assert.equal(assets(config, "production"), undefined);
  assert.match(await readFile(`${root}/scripts/dev.sh`, "utf8"), /^wrangler dev --assets www /m);

  const dir = await mkdtemp(join(tmpdir(), "totp-console-"));
  try {
    assert.deepEqual(assets(await configCopy(dir, switchOnInProduction), "production"), { directory: join(root, "www") });
    // Why the top level must stay without: environments inherit `assets`, and an environment
    // cannot turn it off again (an empty [env.production.assets] is refused for its missing
    // directory).
    const inherited = await configCopy(dir, (text) => text.replace(/^\[build\]$/m, `[assets]\ndirectory = "www"\n\n[build]`));
    assert.deepEqual(assets(inherited, "production"), { directory: join(root, "www") });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the upload of staging carries the console; production's has none until switched on", async () => {
  const dir = await mkdtemp(join(tmpdir(), "totp-console-"));
  try {
    const dryRun = async (env, edit) => {
      const run = spawnSync("wrangler", ["deploy", "--dry-run", "--env", env, "--config", await configCopy(dir, edit), "--outdir", join(dir, `out-${env}`)], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      });
      const log = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 0, log);
      assert.match(log, /--dry-run: exiting now/);
      assert.match(log, new RegExp(`env.DB \\(headless-totp-${env}\\)`));
      return log.match(/Read \d+ files from the assets directory (.*)/)?.[1]?.trim() ?? null;
    };
    assert.equal(await dryRun("staging"), join(root, "www"));
    assert.equal(await dryRun("production"), null);
    assert.equal(await dryRun("production", switchOnInProduction), join(root, "www"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
