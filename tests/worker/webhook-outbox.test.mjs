// The outbox on workerd: an event committed but never handed to the queue (the runtime killed
// with SIGKILL in between; the test build holds the outbox when WEBHOOK_TEST_HOLD_OUTBOX is
// set, as a crash at that point would) is delivered after a restart by the alarm the object set
// before the hand-off, without any call reaching it. Test files must not run concurrently: the
// workerd to kill is the one this test's Miniflare started.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";
import { startReceiver } from "../support/receiver.mjs";
import { testSecrets } from "../support/secrets.mjs";
import { workerdPids } from "../support/worker.mjs";

const T0 = 1_950_000_000;
let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver?.close());

test("a kill -9 between the commit and the hand-off loses no event", async () => {
  const state = await mkdtemp(join(tmpdir(), "totp-webhooks-"));
  try {
    const secrets = testSecrets();
    const pids = new Set(workerdPids());
    let held = await startApi({ testClock: true, persistTo: state, secrets: { ...secrets, WEBHOOK_TEST_HOLD_OUTBOX: "true" } });
    held.now = T0;
    await held.bootstrap("held-co");
    const heldOrg = (await held.call("POST", "/api/v2/organizations", { json: { name: "Held" } })).body.domain;
    const created = await held.call("POST", `/api/v2/org/${heldOrg}/webhooks`, {
      json: { url: `${receiver.base}/ok/held`, event_types: ["user.deleted"] },
    });
    receiver.secrets["/ok/held"] = created.body.secret;
    const id = (await held.call("POST", `/api/v2/org/${heldOrg}/users`, { json: { profile: { email: "held@hooks.test" } } })).body.id;
    assert.equal((await held.call("DELETE", `/api/v2/org/${heldOrg}/users/${id}`)).status, 204);
    // Committed, not handed to the queue: the runtime dies here.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(receiver.at("/ok/held").length, 0, "held in the outbox");
    const ours = workerdPids().filter((pid) => !pids.has(pid));
    assert.ok(ours.length > 0, "no workerd of this test found");
    for (const pid of ours) process.kill(pid, "SIGKILL");
    await held.stop();
    held = await startApi({ testClock: true, persistTo: state, secrets, migrate: false });
    // No call reaches the object: the alarm it set before the hand-off (30 s) sends the outbox.
    await receiver.until(() => receiver.at("/ok/held").length >= 1, 60_000, "the held event");
    const [request] = receiver.at("/ok/held");
    assert.ok(request.verified);
    assert.deepEqual([request.payload.type, request.payload.data.user_id], ["user.deleted", id]);
    await held.stop();
  } finally {
    await rm(state, { recursive: true, force: true });
  }
});
