// Starts the built Worker (worker/build/) on workerd through Miniflare, with a fresh in-memory
// D1 database migrated exactly as `wrangler d1 migrations apply` would, an empty KV, and the
// organizations' SQLite-backed Durable Objects (bound as ORG, as in wrangler.toml).
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const root = fileURLToPath(new URL("../..", import.meta.url));

export const BASE_URL = "http://127.0.0.1";

/** The compatibility date of wrangler.toml, so tests run the Worker as deployed. */
async function compatibilityDate() {
  const config = await readFile(`${root}/wrangler.toml`, "utf8");
  return config.match(/^compatibility_date\s*=\s*"([^"]+)"/m)[1];
}

/** The SQL statements of every migration, in order. */
export async function migrationStatements() {
  const dir = `${root}/worker/migrations`;
  const files = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const statements = [];
  for (const file of files) {
    const sql = await readFile(`${dir}/${file}`, "utf8");
    const withoutComments = sql.replace(/--.*$/gm, "");
    statements.push(...withoutComments.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean));
  }
  return statements;
}

/**
 * The console's static assets in the wrangler environment `env` of `config`, as wrangler itself
 * resolves them into Miniflare options (its `_headers` file included: Miniflare reads it from
 * the directory); undefined where the environment serves no console. With no `env`, the local
 * default as `make dev` runs it: the top level plus the `--assets` scripts/dev.sh passes.
 */
export async function consoleAssets({ env, config = `${root}/wrangler.toml` } = {}) {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  let overrides;
  if (env === undefined) {
    const dev = await readFile(`${root}/scripts/dev.sh`, "utf8");
    const directory = dev.match(/^wrangler dev\b.*\s--assets[= ](\S+)/m)?.[1];
    // wrangler resolves --assets from its working directory, which dev.sh sets to the root.
    if (directory) overrides = { assets: { directory: `${root}/${directory}` } };
  }
  return unstable_getMiniflareWorkerOptions(config, env, { overrides }).workerOptions.assets;
}

/**
 * The rate limits wrangler declares for environment `env` of `config` (none: the local default),
 * as wrangler resolves them into Miniflare options.
 */
export async function configuredRateLimits({ env, config = `${root}/wrangler.toml` } = {}) {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  return unstable_getMiniflareWorkerOptions(config, env).workerOptions.ratelimits;
}

/**
 * The queues wrangler declares for environment `env` of `config` (the local default when none),
 * as wrangler resolves them into Miniflare options, with the vars they come with.
 */
export async function configuredQueues({ env, config = `${root}/wrangler.toml` } = {}) {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { queueProducers, queueConsumers, bindings } = unstable_getMiniflareWorkerOptions(config, env).workerOptions;
  return { queueProducers, queueConsumers, vars: bindings ?? {} };
}

/**
 * The same bindings with limits no suite reaches: suites ask for many tokens from one address
 * (there is no CF-Connecting-IP here); `tests/worker/limits.test.mjs` runs the declared ones.
 */
async function roomyRateLimits() {
  const declared = await configuredRateLimits();
  return Object.fromEntries(
    Object.entries(declared).map(([name, limit]) => [name, { ...limit, simple: { ...limit.simple, limit: 1_000_000 } }]),
  );
}

/** Forwards a request of the Worker to this machine; refuses every other host. */
async function loopbackOnly(request) {
  const { hostname } = new URL(request.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(hostname)) {
    return new Response("tests send no traffic off this machine", { status: 502 });
  }
  const body = ["GET", "HEAD"].includes(request.method) ? undefined : await request.arrayBuffer();
  return fetch(request.url, { method: request.method, headers: request.headers, body, signal: request.signal });
}

/**
 * A running Worker; call `dispose()` when done. With `serve`, it also listens on a loopback
 * port with the console's static assets in front where the wrangler environment `env` of
 * `config` serves them (see `consoleAssets`), as `wrangler dev` and Cloudflare serve it.
 */
export async function startWorker({ bindings = {}, persistTo, migrate = true, serve = false, listen = serve, env, config, onLog, build = "build", scriptDir = `${root}/worker/${build}`, ratelimits, inspectorPort } = {}) {
  const assets = serve ? await consoleAssets({ env, config }) : undefined;
  ratelimits ??= await roomyRateLimits();
  const { queueProducers, queueConsumers, vars } = await configuredQueues({ env, config });
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${scriptDir}/index.js`,
    modulesRoot: scriptDir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: await compatibilityDate(),
    d1Databases: ["DB"],
    kvNamespaces: ["KV"],
    durableObjects: { ORG: { className: "OrgObject", useSQLite: true } },
    ratelimits,
    queueProducers,
    queueConsumers,
    // Test traffic stays on this machine: the Worker's own requests (webhook deliveries) reach
    // 127.0.0.1 and localhost only; anything else answers 502 without leaving the process.
    outboundService: loopbackOnly,
    // The declared vars, then quick webhook retries and timeouts, so a suite waits seconds.
    bindings: { ...vars, WEBHOOK_RETRY_SECONDS: "1", WEBHOOK_TIMEOUT_SECONDS: "2", ...bindings },
    cf: false,
    // The Worker logs a line per request: captured with `onLog`, else dropped (errors still
    // reach stderr).
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.on("data", onLog ?? (() => {}));
      stderr.on("data", onLog ?? ((chunk) => process.stderr.write(chunk)));
    },
    ...(persistTo ? { defaultPersistRoot: persistTo } : {}),
    ...(listen ? { host: "127.0.0.1", port: 0 } : {}),
    ...(assets ? { assets } : {}),
    // For benches/profile.mjs: V8's inspector, to take a CPU profile of the isolate.
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  let db;
  try {
    db = await mf.getD1Database("DB");
    for (const statement of migrate ? await migrationStatements() : []) {
      await db.prepare(statement).run();
    }
  } catch (error) {
    await mf.dispose();
    throw error;
  }
  return {
    mf,
    db,
    url: listen ? (await mf.ready).href.replace(/\/$/, "") : null,
    fetch: (path, init) => mf.dispatchFetch(`${BASE_URL}${path}`, init),
    dispose: () => mf.dispose(),
  };
}

/** The ids of the running workerd server processes, to find the one a test started. */
export function workerdPids() {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => /workerd/.test(line) && line.includes("serve"))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/**
 * The `d1=` and `objects=` counts the Worker logged for the last request of `operation`, from
 * the log `lines` a test captured with `onLog`.
 */
export async function countsOf(lines, operation) {
  await new Promise((resolve) => setTimeout(resolve, 200)); // the log line follows the answer
  const line = lines.filter((l) => l.includes(` ${operation} `)).at(-1);
  if (!line) throw new Error(`no log line for ${operation} in ${lines.length} lines`);
  const [, d1, objects] = line.match(/d1=(\d+) objects=(\d+)/);
  return { d1: Number(d1), objects: Number(objects) };
}
