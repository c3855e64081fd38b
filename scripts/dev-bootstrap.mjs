// Waits for the local service, makes sure the demo account exists, and prints a fresh sandbox
// and production API key for it. Talks to loopback only.
import { readFile } from "node:fs/promises";

const [base, domain] = process.argv.slice(2);
const vars = Object.fromEntries(
  (await readFile(".dev.vars", "utf8")).split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);
const operator = { authorization: `Bearer ${vars.OPERATOR_TOKEN}`, "content-type": "application/json" };

for (let attempt = 0; ; attempt++) {
  try {
    if ((await fetch(`${base}/health`)).ok) break;
  } catch {}
  if (attempt > 300) throw new Error(`the service did not answer on ${base}/health`);
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const account = await fetch(`${base}/admin/accounts`, { method: "POST", headers: operator, body: JSON.stringify({ domain }) });
if (account.status !== 201 && account.status !== 409) throw new Error(`creating the demo account: ${await account.text()}`);

const keys = {};
for (const environment of ["sandbox", "production"]) {
  const response = await fetch(`${base}/admin/accounts/${domain}/api-keys`, { method: "POST", headers: operator, body: JSON.stringify({ environment }) });
  if (response.status !== 201) throw new Error(`creating a ${environment} key: ${await response.text()}`);
  keys[environment] = await response.json();
}

console.log(`
Headless TOTP is running on ${base} (local D1, KV and Durable Objects in .wrangler/state).
Demo account and fresh API keys for the guide's curls:

  export CRYPTR_SERVICE_URL=${base}
  export CRYPTR_ACCOUNT_DOMAIN=${domain}
  # sandbox
  export CRYPTR_CLIENT_ID=${keys.sandbox.client_id}
  export CRYPTR_CLIENT_SECRET=${keys.sandbox.client_secret}
  # production
  #   client id:     ${keys.production.client_id}
  #   client secret: ${keys.production.client_secret}
  # operator token (admin routes): see OPERATOR_TOKEN in .dev.vars
`);
