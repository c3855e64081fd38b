// A webhook receiver that never answers, on workerd: each attempt times out, the retries wait
// longer each time, the sixth failure sends the message to the dead-letter queue and the
// delivery list says so; a manual retry sends it again with the same webhook-id. Deliveries run
// on real time, with quick retries and timeouts (tests/support/worker.mjs).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startApi } from "../support/api.mjs";
import { startReceiver } from "../support/receiver.mjs";

let api, org, receiver;
before(async () => {
  receiver = await startReceiver();
  api = await startApi();
  await api.bootstrap("dead-letters-co");
  org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Dead Letters" } })).body.domain;
});
after(async () => {
  await api?.dispose();
  await receiver?.close();
});

const path = (tail) => `/api/v2/org/${org}${tail}`;
async function endpoint(tail, body = {}) {
  const created = await api.call("POST", path("/webhooks"), { json: { url: `${receiver.base}${tail}`, ...body } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  receiver.secrets[tail] = created.body.secret;
  return created.body;
}
async function user(email) {
  return (await api.call("POST", path("/users"), { json: { profile: { email } } })).body.id;
}
const deliveries = async (id) => (await api.call("GET", path(`/webhooks/${id}/deliveries`))).body.data;

test("a receiver that never answers ends in the dead-letter queue, and a manual retry sends it again", async () => {
  const silent = await endpoint("/silent", { event_types: ["user.deleted"] });
  await api.call("DELETE", path(`/users/${await user("silent@hooks.test")}`));
  let listed = [];
  const end = Date.now() + 90_000;
  while (!listed.some((d) => d.outcome === "dead_lettered")) {
    assert.ok(Date.now() < end, `no dead letter: ${JSON.stringify(listed)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    listed = await deliveries(silent.id);
  }
  assert.deepEqual(listed.map((d) => [d.attempt, d.status, d.error]).reverse(), [1, 2, 3, 4, 5, 6].map((n) => [n, null, "timeout"]));
  const message = listed[0].message_id;
  assert.equal(receiver.at("/silent").length, 6);
  const retried = await api.call("POST", path(`/webhooks/${silent.id}/deliveries/${message}/retry`));
  assert.deepEqual([retried.status, retried.body], [202, { message_id: message, round: 2 }]);
  await receiver.until(() => receiver.at("/silent").length >= 7);
  assert.equal(receiver.at("/silent")[6].headers["webhook-id"], message, "the same webhook-id");
  await api.call("DELETE", path(`/webhooks/${silent.id}`));
});
