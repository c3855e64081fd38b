// A client for the API under test: JSON by default, or the bodies the guide's curls send.
import { conformanceProblems, servedDocument } from "./conformance.mjs";
import { startWorker } from "./worker.mjs";
import { testSecrets } from "./secrets.mjs";
import { codeAtStep, currentStep } from "./totp.mjs";

/**
 * How many answers of a race are of each kind: a success, a refused code (200, success
 * false), a 429; anything else is listed in `other`.
 */
export function outcomes(results) {
  const count = { success: 0, refused: 0, throttled: 0, other: [] };
  for (const r of results) {
    if (r.status === 200 && r.body.success === true) count.success++;
    else if (r.status === 200 && r.body.success === false) count.refused++;
    else if (r.status === 429 && r.body.error === "too_many_attempts") count.throttled++;
    else count.other.push([r.status, r.body]);
  }
  return count;
}

/** The API on a fresh Worker; pass `secrets` and `persistTo` to restart on the same state. */
export async function startApi({ secrets = testSecrets(), persistTo, migrate = true, serve = false, listen = serve, onLog, testClock = false, build = testClock ? "build-test" : "build", ratelimits, inspectorPort } = {}) {
  const worker = await startWorker({ bindings: secrets, persistTo, migrate, serve, listen, onLog, build, ratelimits, inspectorPort });
  // Every exchange with this Worker is logged for the conformance check, whichever way a test
  // sends it: through `call`, the Worker's own fetch, or the global fetch on its address.
  const log = [];
  const logText = (method, path, status, headers, text) => {
    let body;
    // An export is NDJSON: a JSON value per line.
    if (/^application\/x-ndjson\b/.test(headers.get("content-type") ?? "")) body = text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
    else try { body = JSON.parse(text); } catch { body = text; }
    const exchange = { method, path, status, headers, body };
    log.push(exchange);
    return exchange;
  };
  const record = async (method, path, response) =>
    logText(method, path, response.status, response.headers, await response.clone().text());
  const dispatch = worker.fetch;
  const exchange = async (path, init = {}) => {
    const response = await dispatch(path, init);
    return { response, exchange: await record(init.method ?? "GET", path, response) };
  };
  worker.fetch = async (path, init) => (await exchange(path, init)).response;
  const globalFetch = globalThis.fetch;
  if (worker.url) {
    globalThis.fetch = async (input, init = {}) => {
      const response = await globalFetch(input, init);
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith(worker.url)) await record(init.method ?? (input instanceof Request ? input.method : "GET"), url.slice(worker.url.length), response);
      return response;
    };
  }
  const api = {
    worker,
    secrets,
    token: null,
    /** With `testClock`: the Unix second every request says it is (the x-test-now header). */
    now: null,
    /** Every exchange, for checks against the OpenAPI document. */
    log,
    /** Logs an exchange a test made over raw HTTP (node:http), for the same check. */
    logRaw(method, path, response, text) {
      const headers = new Headers(Object.entries(response.headers).map(([name, value]) => [name, String(value)]));
      return logText(method, path, response.statusCode, headers, text);
    },
    async call(method, path, { json, form, multipart, raw, headers = {}, token = api.token } = {}) {
      const init = { method, headers: { ...headers } };
      if (token) init.headers.authorization = `Bearer ${token}`;
      if (api.now !== null) init.headers["x-test-now"] = String(api.now);
      if (json !== undefined) {
        init.body = JSON.stringify(json);
        init.headers["content-type"] = "application/json";
      } else if (form !== undefined) {
        init.body = new URLSearchParams(form).toString();
        init.headers["content-type"] = "application/x-www-form-urlencoded";
      } else if (multipart !== undefined) {
        // Written out as curl --form sends it.
        const boundary = "------------------------curlBoundary0123456789";
        init.body = Object.entries(multipart)
          .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
          .join("") + `--${boundary}--\r\n`;
        init.headers["content-type"] = `multipart/form-data; boundary=${boundary}`;
      } else if (raw !== undefined) {
        init.body = raw;
      }
      return (await exchange(path, init)).exchange;
    },
    operator(method, path, options = {}) {
      return api.call(method, path, { ...options, token: secrets.OPERATOR_TOKEN });
    },
    /** An account with a sandbox and a production key; the sandbox token becomes the default. */
    async bootstrap(domain = "communitiz-app") {
      await api.operator("POST", "/admin/accounts", { json: { domain } });
      const sandbox = (await api.operator("POST", `/admin/accounts/${domain}/api-keys`, { json: { environment: "sandbox" } })).body;
      const production = (await api.operator("POST", `/admin/accounts/${domain}/api-keys`, { json: { environment: "production" } })).body;
      api.token = await api.tokenFor(domain, sandbox);
      return { sandbox, production };
    },
    /**
     * The rows of `table` as stored in the object of organization `org` (its domain, under the
     * current token's account), read through the operator's export.
     */
    async stored(org, table) {
      const found = await api.call("GET", `/api/v2/organizations/${org}`);
      if (found.status !== 200) throw new Error(`organization ${org}: ${JSON.stringify(found.body)}`);
      const exported = await api.operator("GET", `/admin/organizations/${found.body.id}/export`);
      if (exported.status !== 200) throw new Error(`export of ${org}: ${JSON.stringify(exported.body)}`);
      if (!exported.body.at(-1)?.end) throw new Error(`the export of ${org} has no end line`);
      return exported.body.filter((line) => line.table === table).map((line) => line.row);
    },
    async tokenFor(domain, key) {
      const { body } = await api.call("POST", "/oauth/token", {
        token: null,
        json: { grant_type: "client_credentials", domain, client_id: key.client_id, client_secret: key.client_secret },
      });
      return body.access_token;
    },
    /** A user of `org` (active connection) with a validated TOTP factor. */
    async enrolledUser(org, email) {
      const user = (await api.call("POST", `/api/v2/org/${org}/users`, { json: { profile: { email } } })).body.id;
      const enrollment = (await api.call("POST", `/api/v2/org/${org}/totp-enrollment`, { json: { user_id: user } })).body;
      const step = currentStep();
      const validated = await api.call("PUT", `/api/v2/org/${org}/totp-enrollment/validation/${user}`, {
        json: { code: codeAtStep(enrollment.secret, step) },
      });
      if (!validated.body.success) throw new Error(`enrollment of ${email} failed: ${JSON.stringify(validated.body)}`);
      return { user, secret: enrollment.secret, step, recoveryCodes: enrollment.recovery_codes.split("\n") };
    },
    /**
     * Stops the Worker after checking every exchange of this suite against the served OpenAPI
     * document (see conformance.mjs); throws what disagrees, so the suite fails.
     */
    /** Stops the Worker without the conformance check (for a runtime already killed). */
    async stop() {
      globalThis.fetch = globalFetch;
      await worker.dispose().catch(() => {});
    },
    async dispose() {
      let problems = [];
      if (api.log.length > 0) {
        const doc = await servedDocument(worker.fetch);
        problems = conformanceProblems(doc, api.log);
      }
      globalThis.fetch = globalFetch;
      await worker.dispose();
      if (problems.length > 0) throw new Error(`responses outside the OpenAPI document:\n${problems.join("\n")}`);
    },
  };
  return api;
}
