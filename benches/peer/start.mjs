// Starts the naive JavaScript peer (index.js beside this file) on the bench's harness: the same
// Miniflare, compatibility date and loopback as the service, its factors seeded for `users`.
import { createHmac, randomBytes } from "node:crypto";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker } from "../../tests/support/worker.mjs";

/**
 * The peer with the factors of `users` ({ org, user, secret }) seeded: its URL, a bearer token it
 * accepts, and `stop`. `inspectorPort` opens V8's inspector (benches/profile.mjs).
 */
export async function startPeer(users, { inspectorPort } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "totp-peer-"));
  await copyFile(new URL("./index.js", import.meta.url), join(dir, "index.js"));
  await copyFile(new URL("../../node_modules/otpauth/dist/otpauth.esm.js", import.meta.url), join(dir, "otpauth.esm.js"));
  const key = randomBytes(32).toString("base64url");
  const worker = await startWorker({ scriptDir: dir, persistTo: join(dir, "state"), migrate: false, listen: true, bindings: { PEER_TOKEN_KEY: key, PEER_SEALING_KEY: randomBytes(32).toString("base64url") }, inspectorPort });
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "bench", exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  const token = `${signed}.${createHmac("sha256", key).update(signed).digest("base64url")}`;
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < users.length) {
      const { org, user, secret } = users[next++];
      const seeded = await fetch(`${worker.url}/seed/${org}/${user}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ secret }) });
      if (seeded.status !== 200) throw new Error(`peer setup: ${seeded.status} ${await seeded.text()}`);
    }
  }));
  return { url: worker.url, token, stop: async () => { await worker.dispose(); await rm(dir, { recursive: true, force: true }); } };
}
