// A webhook receiver on 127.0.0.1 for the tests and the benchmark: it verifies every request
// with the `standardwebhooks` package (npm, not this project's code) and keeps what it got.
// Each endpoint path answers as its name says: /ok with 204, /flaky/N with 500 N times then
// 204, /silent never (the socket stays open until the receiver closes).
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

/**
 * Starts a receiver; `secrets[path]` verifies the requests to `path` (set it once the endpoint
 * is registered). Every request is kept with its verification outcome.
 */
export async function startReceiver() {
  const received = [];
  const secrets = {};
  const failures = new Map();
  const silent = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = request.url;
      let verified = false;
      let payload = null;
      try {
        payload = new Webhook(secrets[path]).verify(body, request.headers);
        verified = true;
      } catch {
        verified = false;
      }
      received.push({ path, body, payload, verified, headers: { ...request.headers }, at: Date.now() });
      if (path.startsWith("/silent")) {
        silent.add(response);
        return;
      }
      const flaky = path.match(/^\/flaky\/(\d+)/);
      if (flaky) {
        const seen = failures.get(path) ?? 0;
        failures.set(path, seen + 1);
        if (seen < Number(flaky[1])) {
          response.writeHead(500).end();
          return;
        }
      }
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    received,
    secrets,
    /** What reached `path`. */
    at: (path) => received.filter((request) => request.path === path),
    /** Waits until `check()` holds, polling; throws after `ms`. */
    async until(check, ms = 20_000, what = "webhooks") {
      const end = Date.now() + ms;
      while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${received.length} received`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: async () => {
      for (const response of silent) response.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
