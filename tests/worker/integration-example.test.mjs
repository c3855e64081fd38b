// INTEGRATION.md's example backend (examples/integration/mfa.mjs), run against the Worker with
// the `otpauth` npm package as the user's authenticator app, and type-checked against the types
// openapi-typescript generates from the served document.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import * as OTPAuth from "otpauth";
import ts from "typescript";
import { startApi } from "../support/api.mjs";
import { Mfa } from "../../examples/integration/mfa.mjs";

const EXAMPLE = fileURLToPath(new URL("../../examples/integration/mfa.mjs", import.meta.url));
let api, mfa;
before(async () => {
  api = await startApi({ listen: true });
  // The account (the API key's) and the organization (its customer) have different domains.
  const { sandbox } = await api.bootstrap("acme-backend");
  const org = (await api.call("POST", "/api/v2/organizations", { json: { name: "Communitiz App" } })).body.domain;
  await api.call("PUT", `/api/v2/org/${org}/totp-connection`, { json: { active: true } });
  mfa = new Mfa({ service: api.worker.url, clientId: sandbox.client_id, clientSecret: sandbox.client_secret, organization: org });
});
after(() => api?.dispose());

/** The user's authenticator app, reading the URI the page drew as a QR code. */
const app = (uri) => OTPAuth.URI.parse(uri);
const codeAt = (totp, seconds) => totp.generate({ timestamp: seconds * 1000 });

test("the example's flow: sign-up, enrollment that survives a refresh, login, recovery", async () => {
  const user = await mfa.createUser("emilie@communitiz-app.co");
  assert.equal((await mfa.status(user.id)).status, "none");
  const attempt = "enroll-attempt-1";
  const enrollment = await mfa.enroll(user.id, attempt);
  const refreshed = await mfa.enroll(user.id, attempt);
  assert.equal(refreshed.otpauth_uri, enrollment.otpauth_uri, "a refresh shows the same secret");
  const totp = app(enrollment.otpauth_uri);
  const now = Math.floor(Date.now() / 1000);
  const code = codeAt(totp, now);
  assert.deepEqual(await mfa.confirm(user.id, `${code.slice(0, 3)} ${code.slice(3)}`), {
    signedIn: true, recoveryCodeUsed: false, askToEnrollAgain: false, recoveryCodesRemaining: 5,
  });
  assert.equal((await mfa.status(user.id)).status, "active");
  // Logging in at once with the same code: the page asks for the next one.
  assert.deepEqual(await mfa.verify(user.id, code), { signedIn: false, tryAgain: "That code was just used: enter the next one your app shows." });
  assert.deepEqual(await mfa.verify(user.id, "12"), { signedIn: false, tryAgain: "Enter the 6 digits your app shows, or a recovery code." });
  assert.equal((await mfa.verify(user.id, codeAt(totp, now + 30))).signedIn, true);
  const recovery = await mfa.verify(user.id, enrollment.recovery_codes.split("\n")[0]);
  assert.deepEqual(recovery, { signedIn: true, recoveryCodeUsed: true, askToEnrollAgain: true, recoveryCodesRemaining: 4 });
  const second = await mfa.verify(user.id, enrollment.recovery_codes.split("\n")[1]);
  assert.ok("contactSupport" in second, JSON.stringify(second));
});

test("the example backs off as the API says after wrong codes", async () => {
  const user = await mfa.createUser("backoff@communitiz-app.co");
  const enrollment = await mfa.enroll(user.id, "backoff-attempt");
  const totp = app(enrollment.otpauth_uri);
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await mfa.confirm(user.id, codeAt(totp, now))).signedIn, true);
  const wrong = codeAt(totp, now + 3600);
  let answer;
  for (let attempt = 0; attempt < 10 && !(answer && "waitSeconds" in answer); attempt++) answer = await mfa.verify(user.id, wrong);
  assert.ok(answer && "waitSeconds" in answer && answer.waitSeconds >= 1, JSON.stringify(answer));
  const status = await mfa.status(user.id);
  assert.ok(status.locked_until > now && !status.locked, JSON.stringify(status));
});

test("the example type-checks against the types generated from the served document", async () => {
  const dir = await mkdtemp(join(tmpdir(), "integration-types-"));
  try {
    const document = await (await fetch(`${api.worker.url}/openapi.json`)).json();
    await writeFile(join(dir, "api.d.ts"), astToString(await openapiTS(document)));
    await copyFile(EXAMPLE, join(dir, "mfa.mjs"));
    const program = ts.createProgram([join(dir, "mfa.mjs")], {
      allowJs: true, checkJs: true, noEmit: true, strict: true, target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      // fetch, Response and btoa as Node 22 has them, which the DOM's declarations describe.
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    assert.deepEqual(problems, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
