// The demo console in Debian's Chromium, served by the Worker on loopback: the whole flow, a
// screenshot per step, and the QR code decoded from pixels and checked against the API; all of
// it under the console's Content-Security-Policy, with no violation reported by the browser.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { startApi } from "../support/api.mjs";
import { codeAtStep, currentStep } from "../support/totp.mjs";

const output = fileURLToPath(new URL("../../test-output/console/", import.meta.url));
let api, browser, page, keys;
const foreignRequests = [];
const consoleErrors = [];

before(async () => {
  await mkdir(output, { recursive: true });
  api = await startApi({ serve: true });
  keys = await api.bootstrap("acme-backend");
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!["data:", "blob:"].includes(url.protocol) && url.hostname !== "127.0.0.1") foreignRequests.push(url.href);
  });
  page.on("console", (message) => { if (message.type() === "error") consoleErrors.push(message.text()); });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  // Every violation of the page's policy, as the browser reports it to the page (this script is
  // injected by the driver, outside the policy).
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.cspViolations.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample });
    }, true);
  });
});

const cspViolations = () => page.evaluate(() => window.cspViolations);

/** The policy the page was served with, checked for what it must (and must not) allow. */
function assertPolicy(response) {
  const policy = response.headers()["content-security-policy"];
  assert.ok(policy, "the console is served without a Content-Security-Policy");
  const directives = Object.fromEntries(policy.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(directives["default-src"], ["'none'"]);
  assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives["style-src"], ["'self'"]);
  assert.deepEqual(directives["frame-ancestors"], ["'none'"]);
  assert.deepEqual(directives["base-uri"], ["'none'"]);
  assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|\*/);
  assert.equal(response.headers()["x-content-type-options"], "nosniff");
  assert.equal(response.headers()["referrer-policy"], "no-referrer");
  assert.equal(response.headers()["cache-control"], "no-store");
}

after(async () => {
  await browser?.close();
  await api?.dispose();
});

let shot = 0;
const screenshot = (name) => page.screenshot({ path: `${output}${String(++shot).padStart(2, "0")}-${name}.png`, fullPage: true });

async function submit(formId, sectionId) {
  await page.click(`#${formId} button`);
  const result = page.locator(`#${sectionId} [data-result]`);
  await result.filter({ hasText: /./ }).waitFor();
  return { text: await result.textContent(), error: await result.evaluate((el) => el.classList.contains("error")) };
}

function decodeQr(png) {
  const image = PNG.sync.read(png);
  const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(decoded, "the QR code could not be decoded from the screenshot");
  return decoded.data;
}

test("the console runs the guide's flow in Chromium", async () => {
  assertPolicy(await page.goto(`${api.worker.url}/`));
  await screenshot("loaded");

  await page.fill("#form-token [name=client_secret]", "wrong");
  await page.fill("#form-token [name=client_id]", keys.sandbox.client_id);
  const refused = await submit("form-token", "step-credentials");
  assert.deepEqual(refused, { text: "invalid client credentials", error: true });
  await screenshot("error-shown");
  // Chromium itself logs the deliberate 401; nothing else may be logged.
  assert.deepEqual(consoleErrors.splice(0), ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);

  await page.fill("#form-token [name=client_secret]", keys.sandbox.client_secret);
  assert.match((await submit("form-token", "step-credentials")).text, /Access token received/);
  await screenshot("token");

  assert.match((await submit("form-organization", "step-organization")).text, /communitiz-app \(sandbox\)/);
  assert.match((await submit("form-user", "step-user")).text, /User created/);
  assert.match((await submit("form-connection", "step-connection")).text, /Connection active/);
  await screenshot("connection");

  const enrollmentResponse = page.waitForResponse((r) => r.url().endsWith("/totp-enrollment"));
  await submit("form-enroll", "step-enroll");
  const answered = await enrollmentResponse;
  const enrollment = await answered.json();
  assert.match(answered.request().headers()["idempotency-key"], /^[0-9a-f-]{36}$/, "the console sends a key, as a retrying backend should");
  await page.locator("#qr svg title").waitFor({ state: "attached" });
  assert.equal(await page.locator("#qr svg title").textContent(), "Scan with your authenticator app");
  await screenshot("enrolled");

  const decodedUri = decodeQr(await page.locator("#qr svg").screenshot());
  assert.equal(decodedUri, enrollment.otpauth_uri);
  const secret = new URL(decodedUri).searchParams.get("secret");
  assert.equal(await page.textContent("#secret"), secret);
  const countdown = Number(await page.textContent("#countdown"));
  assert.ok(countdown >= 1 && countdown <= 30, `countdown ${countdown}`);

  const step = currentStep();
  await page.fill("#form-validate-enrollment [name=code]", codeAtStep(secret, step));
  assert.match((await submit("form-validate-enrollment", "step-enroll")).text, /Enrollment validated/);
  await screenshot("validated");

  assert.match((await submit("form-challenge", "step-challenge")).text, /Challenge started/);
  // Computed when used: newer than the enrollment's step, inside the window however slow the run.
  const next = codeAtStep(secret, currentStep() + 1);
  await page.fill("#form-validate-challenge [name=code]", next);
  assert.deepEqual(await submit("form-validate-challenge", "step-challenge"), { text: "Code accepted (5 recovery codes left).", error: false });
  const lastUsed = currentStep() + 1;
  await screenshot("challenge");

  await page.fill("#form-validate-challenge [name=code]", next);
  const replay = await submit("form-validate-challenge", "step-challenge");
  assert.equal(replay.error, true);
  assert.match(replay.text, /Code refused/);

  const recoveryCode = (await page.textContent("#recovery-codes")).split("\n")[0];
  assert.equal(recoveryCode, enrollment.recovery_codes.split("\n")[0]);
  await page.fill("#form-validate-challenge [name=code]", recoveryCode);
  assert.match((await submit("form-validate-challenge", "step-challenge")).text, /Recovery code accepted \(4 recovery codes left\)/);
  await screenshot("recovery-code");

  // Regenerating needs a code newer than the last accepted one: wait for the next time step.
  while (currentStep() + 1 <= lastUsed) await new Promise((resolve) => setTimeout(resolve, 500));
  await page.fill("#form-regenerate [name=code]", codeAtStep(secret, currentStep() + 1));
  assert.match((await submit("form-regenerate", "step-manage")).text, /Five new recovery codes/);
  const fresh = (await page.textContent("#new-recovery-codes")).split("\n");
  assert.equal(fresh.length, 5);
  assert.ok(!fresh.includes(recoveryCode));
  await screenshot("regenerated");
  await page.click("#form-remove-factor button");
  await page.locator("#step-manage [data-result]").filter({ hasText: /MFA turned off/ }).waitFor();
  assert.equal(await page.locator("#new-recovery-codes").isHidden(), true);
  await page.fill("#form-validate-challenge [name=code]", fresh[0]);
  const gone = await submit("form-validate-challenge", "step-challenge");
  assert.deepEqual(gone, { text: "the user is not enrolled", error: true });
  // Chromium logs the deliberate 404; nothing else may be logged.
  assert.deepEqual(consoleErrors.splice(0), ["Failed to load resource: the server responded with a status of 404 (Not Found)"]);
  await screenshot("mfa-off");

  assert.deepEqual(foreignRequests, [], "the page requested another host");
  assert.deepEqual(consoleErrors, [], "the page logged errors");
  assert.deepEqual(await cspViolations(), [], "the page broke its Content-Security-Policy");
});

test("the console works at phone width without horizontal scrolling", async () => {
  // Its own page at the phone viewport, whatever the test before it did.
  await page.goto(`${api.worker.url}/`);
  await page.waitForLoadState("load");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px of horizontal overflow`);
});

test("the browser enforces the policy and reports a violation (the check above can fail)", async () => {
  await page.goto(`${api.worker.url}/`);
  await page.waitForLoadState("load");
  assert.deepEqual(await cspViolations(), []);
  // What a page with an inline style attribute or inline script would do under this policy.
  await page.evaluate(() => {
    document.body.insertAdjacentHTML("beforeend", '<p id="inline" style="color: red">x</p>');
    const script = document.createElement("script");
    script.textContent = "window.inlineRan = true";
    document.body.append(script);
  });
  await page.waitForFunction(() => window.cspViolations.length >= 2, undefined, { timeout: 10000 });
  assert.deepEqual((await cspViolations()).map((v) => v.directive).sort(), ["script-src-elem", "style-src-attr"]);
  assert.equal(await page.evaluate(() => window.inlineRan), undefined, "an inline script ran");
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.getElementById("inline")).color), "rgb(255, 0, 0)");
  consoleErrors.splice(0);
});
