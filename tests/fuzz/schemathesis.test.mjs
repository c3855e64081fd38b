// Fuzzes every operation from the service's own OpenAPI document with schemathesis (PyPI),
// authenticated with a real token against a Worker with data: no 5xx, and every answer must
// match the document (status, content type, headers, schema). FUZZ_EXAMPLES sets the examples
// per operation (make test: a few; make soak: many).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApi } from "../support/api.mjs";

const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 15);
const SCHEMATHESIS = process.env.SCHEMATHESIS ?? "schemathesis";
let api, config, dir;

before(async () => {
  api = await startApi({ listen: true });
  await api.bootstrap("fuzz-co");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Fuzz" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  const { user } = await api.enrolledUser(org, "f@fuzz.test");
  // Real path parameters, so the operations are reached beyond their 404s.
  dir = await mkdtemp(join(tmpdir(), "totp-fuzz-"));
  config = join(dir, "schemathesis.toml");
  await writeFile(config, `[parameters]\n"path.org_domain" = "${org}"\n"path.user_id" = "${user}"\n"path.domain" = "${org}"\n`);
});
after(async () => {
  await api?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`schemathesis finds no 5xx and no answer outside the document (${EXAMPLES} examples per operation)`, async () => {
  const args = [
    "--config-file", config,
    "run", `${api.worker.url}/openapi.json`,
    "--url", api.worker.url,
    "--header", `Authorization: Bearer ${api.token}`,
    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
    "--max-examples", String(EXAMPLES),
    "--workers", "2",
    "--no-color",
    "--seed", "20261128",
  ];
  const child = spawn(SCHEMATHESIS, args, { env: { ...process.env, SCHEMATHESIS_HOOKS: "" } });
  let output = "";
  child.stdout.on("data", (chunk) => { output += chunk; });
  child.stderr.on("data", (chunk) => { output += chunk; });
  const code = await new Promise((resolve) => child.on("close", resolve));
  const summary = output.split("\n").filter((line) => /passed|failed|Test cases|operations|API probing|Failures/i.test(line)).slice(-8).join("\n");
  console.log(summary);
  assert.equal(code, 0, output.slice(-6000));
});
